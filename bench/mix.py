"""The realistic mix the pipeline benchmark feeds Muster, built with the handlers' own schemas.

Setup (registered before timing): shelters across southern Ontario, the sample partners with
their inventory scaled up, the sample ice-storm incidents. Timed mix: shelter updates
(RegisterShelter), caller referrals (candidates ranked the way the API ranks them, and sent as the
API sends them: the first candidate's HoldBed carrying the RequestReferral), volunteer hours
(LogHours) and resource requests (RaiseRequest). Every timed command has one observable effect on
a state topic, so "processed" means the effect is there.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources

from bus import topics
from handlers.common import Actor, Point
from handlers.directories import IncidentDirectory, ShelterDirectory
from handlers.incidents import DeclareIncident
from handlers.shelters import Needs, RegisterShelter, Shelter

# Where southern Ontario's people (and so its shelters and callers) are.
REGION = (42.2, 46.6, -83.0, -74.6)  # min lat, max lat, min lon, max lon
NOW = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)

WEIGHTS = {"shelter_update": 0.38, "referral": 0.50, "hours": 0.10, "request": 0.02}
"""Referrals and bed counts dominate an ice storm; hours are logged daily, requests are rare."""

MANAGER = Actor(sub="bench-manager", role="manager")
NAVIGATOR = Actor(sub="bench-navigator", role="navigator")
ADMIN = Actor(sub="bench-admin", role="admin")


@dataclass(frozen=True)
class Command:
    topic: str  # topic name without the prefix
    key: str
    value: bytes
    kind: str  # shelter_update, referral, hours, request, or setup
    effect: tuple[str, str]  # (state topic, what identifies the effect)


def _sample(name: str) -> dict:
    return json.loads(resources.files("muster.data").joinpath(name).read_text("utf-8"))


def _dump(model) -> bytes:
    return model.model_dump_json(exclude_none=True).encode()


class Mix:
    def __init__(self, seed: int = 7, shelters: int = 400) -> None:
        self.rng = random.Random(seed)
        self.n_shelters = shelters
        self.shelters: dict[str, RegisterShelter] = {}
        self.revision: dict[str, int] = {}
        self.directory = ShelterDirectory()
        self.incidents = IncidentDirectory()
        self.partners = _sample("partners.json")["partners"]
        self.scenario = _sample("scenario_ice_storm.json")
        self.counter = 0

    def _point(self) -> tuple[float, float]:
        lat0, lat1, lon0, lon1 = REGION
        return round(self.rng.uniform(lat0, lat1), 5), round(self.rng.uniform(lon0, lon1), 5)

    def setup(self) -> list[Command]:
        out: list[Command] = []
        for i in range(self.n_shelters):
            sid = f"bench-shelter-{i:04d}"
            lat, lon = self._point()
            self.revision[sid] = 0
            cmd = RegisterShelter(
                id=sid, name=f"Sample bench shelter {i} r0", location=Point(lat=lat, lon=lon),
                capacity=self.rng.choice([2000, 3000, 5000]), occupancy=self.rng.randint(0, 200),
                accepts_pets=self.rng.random() < 0.5, accessible=self.rng.random() < 0.7,
                families=self.rng.random() < 0.8, languages=["en", "fr"] if self.rng.random() < 0.4 else ["en"],
                actor=MANAGER, accepted_at=NOW,
            )
            self.shelters[sid] = cmd
            state = Shelter(**cmd.model_dump(include=set(RegisterShelter.model_fields) - {"type", "actor", "accepted_at", "v"}),
                            free=cmd.capacity - cmd.occupancy, updated_at=NOW)
            self.directory.apply(state, sid)
            out.append(Command(topics.SHELTERS.name, sid, _dump(cmd), "setup", (topics.SHELTER_STATE.name, sid)))
        from handlers.partners import RegisterPartner

        for p in self.partners:
            body = {k: v for k, v in p.items() if k != "id"}
            body["inventory"] = {k: min(1_000_000, v * 1000) for k, v in body.get("inventory", {}).items()}
            partner = RegisterPartner(id=p["id"], **body, actor=ADMIN, accepted_at=NOW)
            out.append(Command(topics.PARTNERS.name, p["id"], _dump(partner), "setup", (topics.PARTNER_STATE.name, p["id"])))
        for incident in self.scenario["incidents"]:
            declaration = DeclareIncident(**incident, actor=MANAGER, accepted_at=NOW)
            out.append(Command(topics.INCIDENTS.name, declaration.id, _dump(declaration), "setup",
                               (topics.INCIDENT_STATE.name, declaration.id)))
        return out

    def timed(self, n: int, run: str) -> list[Command]:
        kinds = list(WEIGHTS)
        weights = [WEIGHTS[k] for k in kinds]
        return [getattr(self, f"_{kind}")(run) for kind in self.rng.choices(kinds, weights, k=n)]

    def _next_id(self, run: str, what: str) -> str:
        self.counter += 1
        return f"{what}-{run}-{self.counter:07d}"

    def _shelter_update(self, run: str) -> Command:
        sid = self.rng.choice(list(self.shelters))
        self.revision[sid] += 1
        base = self.shelters[sid]
        name = f"Sample bench shelter {sid[-4:]} r{self.revision[sid]}"
        cmd = base.model_copy(update={"name": name, "occupancy": self.rng.randint(0, 200)})
        return Command(topics.SHELTERS.name, sid, _dump(cmd), "shelter_update", (topics.SHELTER_STATE.name, f"{sid}|{name}"))

    def referral_command(self, referral_id: str, lat: float, lon: float, household: int, needs: Needs):
        from handlers.referrals import RequestReferral

        candidates, alternatives = self.directory.candidates(lat, lon, household, needs, 100.0, self.incidents, 25)
        return RequestReferral(id=referral_id, household_size=household, needs=needs, candidates=candidates,
                               alternatives=alternatives, hold_ttl_s=7200, actor=NAVIGATOR, accepted_at=NOW)

    def random_needs(self) -> tuple[int, Needs]:
        household = self.rng.choice([1, 1, 1, 2, 2, 3, 4, 5])
        needs = Needs(pets=self.rng.random() < 0.1, wheelchair=self.rng.random() < 0.05,
                      family=household > 2 and self.rng.random() < 0.5)
        return household, needs

    def _referral(self, run: str) -> Command:
        """One record per command: the request, whose agent asks the first shelter (the API puts
        the request first and asks that shelter itself, a record more and a hop less)."""
        rid = self._next_id(run, "ref")
        lat, lon = self._point()
        household, needs = self.random_needs()
        cmd = self.referral_command(rid, lat, lon, household, needs)
        return Command(topics.REFERRALS.name, rid, _dump(cmd), "referral", (topics.REFERRAL_STATE.name, rid))

    def _hours(self, run: str) -> Command:
        from handlers.hours import LogHours

        hid = self._next_id(run, "vh")
        partner = self.rng.choice(self.partners)["id"]
        incident = self.rng.choice(self.scenario["incidents"])["id"]
        volunteers = self.rng.randint(1, 40)
        cmd = LogHours(id=hid, partner_id=partner, incident_id=incident, volunteers=volunteers,
                       hours=round(volunteers * self.rng.uniform(1, 10), 2),
                       activity=self.rng.choice(["debris_clearing", "meals", "wellness_checks", "sheltering"]),
                       date=date(2025, 3, 30) - timedelta(days=self.rng.randint(0, 5)),
                       actor=Actor(sub=f"bench-{partner}", role="partner", partner_id=partner), accepted_at=NOW)
        return Command(topics.HOURS.name, hid, _dump(cmd), "hours", (topics.HOURS_LOG.name, hid))

    def _request(self, run: str) -> Command:
        from handlers.requests import RaiseRequest

        qid = self._next_id(run, "rr")
        template = self.rng.choice(self.scenario["resource_requests"])
        lat, lon = self._point()
        cmd = RaiseRequest(**{**template, "id": qid, "quantity": self.rng.randint(1, 10),
                              "location": {"lat": lat, "lon": lon}}, actor=MANAGER, accepted_at=NOW)
        return Command(topics.REQUESTS.name, qid, _dump(cmd), "request", (topics.REQUEST_STATE.name, qid))


def effects_seen(records, wanted: set[str]) -> dict[str, int]:
    """Timestamp (ms) of the first state record showing each wanted effect (see Command.effect)."""
    import orjson

    seen: dict[str, int] = {}
    for rec in records:
        if rec.key is None or rec.value is None:
            continue
        key = rec.key.decode()
        topic = rec.topic.rsplit(".", 1)[-1]
        if topic == topics.SHELTER_STATE.name:
            name = orjson.loads(rec.value).get("name", "")
            ident = f"{key}|{name}"
        elif topic == topics.REFERRAL_STATE.name:
            if orjson.loads(rec.value).get("status") == "pending":
                continue
            ident = key
        elif topic == topics.REQUEST_STATE.name:
            if "asking" in orjson.loads(rec.value):
                continue
            ident = key
        else:
            ident = key
        if ident in wanted and ident not in seen:
            seen[ident] = rec.timestamp_ms
    return seen
