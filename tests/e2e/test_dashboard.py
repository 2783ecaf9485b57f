"""The dashboard in a real browser: a manager declares an incident and sees it on the map, a
navigator holds a bed and another screen sees the count drop live, finds it in "My holds" after a
reload, extends it and sees it flagged for a call back when the manager closes its shelter, and
it all reads in French."""
from __future__ import annotations

import re

import httpx
import pytest

from tests.support.browser import DESKTOP, PHONE, SCREENSHOTS, STATIC

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra has it)").expect
expect.set_options(timeout=20_000)  # as the pages' own timeout: a loaded worker may answer after 5 s

LIVE = "#live[data-state='live']"
MUSTER_ENV = {"MUSTER_DEMO_TOKENS": "true", "MUSTER_DEV_MODE": "1"}
"""This module's stack is a demo server on a development machine: the sign-in box also offers its
own browser a token per role."""


def wait_until_live(page) -> None:
    expect(page.locator(LIVE)).to_be_visible()
    expect(page.locator("#shelter-list [data-shelter-id]").first).to_be_attached()
    expect(page.locator("#map [data-shelter-id]").first).to_be_attached()


class TestSigningIn:
    def test_a_pasted_token_signs_in_and_shows_the_role(self, open_page, tokens):
        watched = open_page()
        page = watched.page
        expect(page.locator("#signin")).to_be_visible()
        page.get_by_label("Token").fill(tokens["manager"])
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.locator("#who-role")).to_have_text(re.compile("manager"))
        wait_until_live(page)
        assert page.evaluate("sessionStorage.getItem('muster.token')") == tokens["manager"]

    def test_a_demo_server_offers_a_token_per_role_and_others_do_not(self, open_page):
        from core.settings import Settings

        assert Settings.model_fields["demo_tokens"].default is False
        watched = open_page()
        page = watched.page
        expect(page.get_by_role("button", name="Sign in as navigator")).to_be_visible()
        watched.screenshot("signin-demo-tokens")
        page.get_by_role("button", name="Sign in as navigator").click()
        expect(page.locator("#who-role")).to_have_text(re.compile("navigator"))
        wait_until_live(page)


class TestManagerDeclaresAnIncident:
    def test_a_circle_declared_on_the_manager_screen_is_drawn_on_the_map(self, open_page, tokens):
        watched = open_page(tokens["manager"], path="/#/manager")
        page = watched.page
        wait_until_live(page)
        page.get_by_label("Title").fill("Flooding — Ottawa River (browser test)")
        page.get_by_label("Kind").select_option("flood")
        page.get_by_label("Severity").select_option("severe")
        page.get_by_label("Circle").check()
        page.get_by_label("Centre latitude").fill("45.42")
        page.get_by_label("Centre longitude").fill("-75.70")
        page.get_by_label("Radius (km)").fill("12")
        expect(page.locator("#map .layer-drawing path.drawing")).to_be_visible()
        page.get_by_role("button", name="Declare incident").click()

        expect(page.locator("#incident-error.success")).to_contain_text("Flooding — Ottawa River")
        detail = page.locator("#incident-detail .incident-head")
        expect(detail).to_contain_text("Flooding — Ottawa River")
        incident_id = detail.get_attribute("data-incident-id")
        area = page.locator(f"#map path.incident[data-incident-id='{incident_id}']")
        expect(area).to_be_visible()
        assert len(area.get_attribute("d")) > 100  # the API's 64-sided circle, not a dot
        # 211 Ontario serves the whole province: it is alerted, and the screen shows it live.
        expect(page.locator("#incident-detail [data-partner-id='211-ontario']")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="All of Ontario").click()
        page.get_by_role("button", name="Southern Ontario").click()
        watched.screenshot("manager-declared-circle")
        page.get_by_role("button", name="Stand down").click()
        expect(area).to_have_class(re.compile(r"\bclosed\b"))

    def test_a_polygon_drawn_by_clicking_the_map_is_declared(self, open_page, tokens):
        watched = open_page(tokens["manager"], path="/#/manager")
        page = watched.page
        wait_until_live(page)
        page.get_by_label("Title").fill("Tornado — drawn area (browser test)")
        page.get_by_label("Kind").select_option("tornado")
        page.get_by_role("button", name="Start drawing").click()
        box = page.locator("#map").bounding_box()
        for fx, fy in [(0.30, 0.55), (0.40, 0.55), (0.40, 0.65), (0.30, 0.65)]:
            page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        expect(page.locator("#draw-count")).to_have_text("4 corners")
        page.get_by_role("button", name="Finish polygon").click()
        assert '"Polygon"' in page.locator("#inc-geojson").input_value()
        page.get_by_role("button", name="Declare incident").click()
        detail = page.locator("#incident-detail .incident-head")
        expect(detail).to_contain_text("Tornado — drawn area")
        incident_id = detail.get_attribute("data-incident-id")
        expect(page.locator(f"#map path.incident[data-incident-id='{incident_id}']")).to_be_visible()
        watched.screenshot("manager-declared-drawn")

    def test_a_declaration_still_unapplied_at_the_deadline_is_said_accepted_and_the_form_cleared(self, open_page, tokens):
        """Workers lagging past the page's 30 s: the page must not take the API's 202 for the incident."""
        watched = open_page(tokens["manager"], path="/#/manager", allowed_errors=("status of 404",))
        page = watched.page
        wait_until_live(page)
        page.clock.install()
        page.route(re.compile(r".*/v1/incidents$"), lambda route: route.continue_() if route.request.method != "POST"
                   else route.fulfill(status=202, json={"id": "pending", "status": "pending", "href": "/v1/incidents/x"}))
        polled = []
        page.route(re.compile(r".*/v1/incidents/inc-[^/]+$"),
                   lambda route: polled.append(route.request.url) or route.fulfill(status=404, json={"detail": "no such incident"}))
        page.get_by_label("Title").fill("Ice jam — Moose Factory (browser test)")
        page.get_by_label("Circle").check()
        page.get_by_label("Centre latitude").fill("51.26")
        page.get_by_label("Centre longitude").fill("-80.61")
        page.get_by_label("Radius (km)").fill("5")
        # The page's 30 s start when the 202 arrives: jumping the clock before then would only
        # move where they start. Its first poll says they have.
        with page.expect_request(re.compile(r".*/v1/incidents/inc-[^/]+$")):
            page.get_by_role("button", name="Declare incident").click()
        expect(page.locator("#incident-error")).to_contain_text("Declaring")
        page.clock.fast_forward(31_000)  # the next poll, due in 500 ms, runs once, past the page's deadline

        message = page.locator("#incident-error.success")
        expect(message).to_contain_text("Accepted: Ice jam — Moose Factory")
        expect(message).to_contain_text("appears on the map once applied")
        assert len(polled) >= 1
        expect(page.get_by_label("Title")).to_have_value("")
        expect(page.locator("#incident-detail")).not_to_contain_text("Ice jam — Moose Factory")


    def test_a_danger_zone_set_by_circle_inside_the_sample_ice_storm_is_drawn_listed_and_removed(self, open_page, tokens):
        watched = open_page(tokens["manager"], path="/#/manager")
        page = watched.page
        wait_until_live(page)
        page.locator("#mgr-incident").select_option("ice-storm-2025-orillia")
        detail = page.locator("#incident-detail")
        expect(detail).to_contain_text("No danger zone")
        page.get_by_label("Circle").check()
        page.get_by_label("Centre latitude").fill("44.6")
        page.get_by_label("Centre longitude").fill("-79.42")
        page.get_by_label("Radius (km)").fill("1.5")
        page.get_by_label("Danger", exact=True).select_option("inundation")
        page.get_by_label("Note for navigators").fill("Sample: flooded underpass")
        page.get_by_role("button", name="Add the area above as a danger zone").click()

        zone = detail.locator("[data-zone-id]")
        expect(zone).to_contain_text("inundation — Sample: flooded underpass")
        expect(zone).to_contain_text("set by a manager")
        expect(page.locator("#map path.danger-zone[data-incident-id='ice-storm-2025-orillia']")).to_be_attached()
        watched.screenshot("manager-danger-zone")
        zone.get_by_role("button", name="Remove").click()
        expect(detail.locator("[data-zone-id]")).to_have_count(0)
        expect(detail).to_contain_text("No danger zone")


class TestNavigatorRefersACaller:
    def test_a_held_bed_lowers_the_free_count_on_another_open_dashboard_without_reload(self, open_page, tokens):
        watcher = open_page(tokens["manager"])
        board = watcher.page
        wait_until_live(board)
        board.evaluate("window.__sameDocument = true")
        before = board.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#shelter-list .free-count')]"
            ".map(e => [e.closest('[data-shelter-id]').dataset.shelterId, Number(e.dataset.free)]))")

        navigator = open_page(tokens["navigator"], path="/#/navigator")
        page = navigator.page
        wait_until_live(page)
        page.get_by_label("Where is the caller?").fill("Barrie")
        page.get_by_label("People in the household").fill("3")
        page.get_by_label("Family space").check()
        page.get_by_role("button", name="Hold a bed").click()

        held = page.locator("#referral-result [data-status='held']")
        expect(held).to_be_visible()
        expect(held).to_contain_text("Bed held")
        expect(held.locator("time")).to_be_visible()
        shelter_id = held.get_attribute("data-shelter-id")
        assert shelter_id in before, (shelter_id, before)
        expect(held.locator(".badge.sample")).to_be_visible()  # the sample shelters say so

        count = board.locator(f"#shelter-list [data-shelter-id='{shelter_id}'] .free-count")
        expect(count).to_have_text(str(before[shelter_id] - 3), timeout=15_000)
        assert board.evaluate("window.__sameDocument") is True
        watcher.screenshot("dashboard-live-after-referral")
        expect(board.locator("#hours-body svg.chart").first).to_be_visible()
        board.screenshot(path=str(SCREENSHOTS / "dashboard-full-page.png"), full_page=True)

        page.get_by_role("button", name="Sheet in French").click()
        frame = page.frame_locator("#sheet-frame")
        expect(frame.locator("body")).to_contain_text("Un lit vous est réservé")
        expect(page.locator("#sheet-open")).to_have_attribute("href", re.compile("^blob:"))
        navigator.screenshot("navigator-held-bed")
        page.get_by_role("button", name="Caller arrived: confirm").click()
        expect(page.locator("#referral-result [data-status='confirmed']")).to_be_visible()

    def test_a_referral_still_being_decided_shows_its_bed_once_decided_though_the_api_knew_it_not_at_first(
            self, open_page, tokens):
        """What a navigator sees while workers lag: the API's reply deadline passes (202), and the
        referral has no state yet (404) until a worker takes it up."""
        navigator = open_page(tokens["navigator"], path="/#/navigator", allowed_errors=("status of 404",))
        page = navigator.page
        wait_until_live(page)
        unknown = {"answers left": 2}

        def accepted_only(route):
            if route.request.method != "POST":
                return route.continue_()
            referral = route.fetch().json()  # the real API holds the bed; the page hears only "accepted"
            route.fulfill(status=202, json={"id": referral["id"], "status": "pending",
                                            "href": f"/v1/referrals/{referral['id']}"})

        def not_known_yet(route):
            if unknown["answers left"]:
                unknown["answers left"] -= 1
                return route.fulfill(status=404, json={"detail": "no referral of yours"})
            route.continue_()

        page.route(re.compile(r".*/v1/referrals$"), accepted_only)
        page.route(re.compile(r".*/v1/referrals/ref-[^/]+$"), not_known_yet)
        page.get_by_label("Where is the caller?").fill("Orillia")
        page.get_by_role("button", name="Hold a bed").click()

        expect(page.locator("#referral-result [data-status='held']")).to_be_visible()
        assert unknown["answers left"] == 0
        expect(page.locator("#referral-result")).not_to_contain_text("no referral")

    def test_an_unknown_place_offers_suggestions(self, open_page, tokens):
        navigator = open_page(tokens["navigator"], path="/#/navigator",
                              allowed_errors=("status of 422",))
        page = navigator.page
        wait_until_live(page)
        page.get_by_label("Where is the caller?").fill("Orilia")
        page.get_by_role("button", name="Hold a bed").click()
        suggestion = page.locator("#referral-result .suggestion").first
        expect(suggestion).to_be_visible()
        expect(page.locator("#referral-result")).to_contain_text("Did you mean")
        navigator.screenshot("navigator-unknown-place")


class TestShelterApproval:
    def test_a_manager_sees_a_partners_new_shelter_awaiting_approval_and_approves_it(self, open_page, tokens, seeded):
        with httpx.Client(base_url=seeded.api.base, headers={"Authorization": f"Bearer {tokens['partner']}"}) as api:
            put = api.put("/v1/shelters/e2e-partner-hall", json={
                "name": "Sample: Orillia Legion hall", "location": {"lat": 44.61, "lon": -79.42}, "capacity": 30,
                "partner_id": "salvation-army-on"})
            assert put.status_code in (201, 202) and put.json().get("approval", "pending") == "pending", put.text
        manager = open_page(tokens["manager"], path="/#/manager")
        board = manager.page
        wait_until_live(board)
        board.get_by_label("Shelter", exact=True).select_option("e2e-partner-hall")
        approval = board.locator("#status-approval")
        expect(approval).to_be_visible()
        expect(approval.locator(".badge")).to_have_text("Awaiting approval")
        board.locator("#shelter-status").screenshot(path=str(SCREENSHOTS / "manager-shelter-awaiting-approval.png"))
        approval.get_by_role("button", name="Approve").click()
        expect(board.locator("#status-message.success")).to_contain_text("is approved and takes referrals")
        expect(approval).to_be_hidden()


class TestMyHolds:
    def test_a_navigator_finds_the_hold_after_a_reload_extends_it_and_is_told_to_call_back_when_it_closes(
            self, open_page, tokens, seeded):
        navigator = open_page(tokens["navigator"], path="/#/navigator")
        page = navigator.page
        wait_until_live(page)
        page.get_by_label("Where is the caller?").fill("Peterborough")
        page.get_by_role("button", name="Hold a bed").click()
        held = page.locator("#referral-result [data-status='held']")
        expect(held).to_be_visible()
        shelter_id = held.get_attribute("data-shelter-id")
        code = held.locator(".referral-code").inner_text()
        assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{3}-[2-9A-HJKMNP-TV-Z]{3}", code), code

        page.reload()
        wait_until_live(page)
        hold = page.locator("#hold-list .hold-item", has_text=code)
        expect(hold).to_be_visible()
        expect(hold.locator(".time-left")).to_have_text(re.compile(r"^1 h 5\d min left$"))
        expect(hold).not_to_have_class(re.compile(r"\bexpiring\b"))
        hold.get_by_role("button", name="Extend").click()
        expect(hold.locator(".success")).to_contain_text("Extended until")
        expect(hold.locator(".time-left")).to_have_text(re.compile(r"^2 h 5\d min left$"))
        page.locator("#my-holds").screenshot(path=str(SCREENSHOTS / "navigator-my-holds-extended.png"))

        manager = open_page(tokens["manager"], path="/#/manager")
        board = manager.page
        wait_until_live(board)
        board.get_by_label("Shelter", exact=True).select_option(shelter_id)
        board.get_by_label("Status", exact=True).select_option("closed")
        board.get_by_label("Reason", exact=True).select_option("no_power")
        board.get_by_role("button", name="Set status").click()
        expect(board.locator("#status-message.success")).to_contain_text("closed: no power")
        board.locator("#shelter-status").screenshot(path=str(SCREENSHOTS / "manager-shelter-closed.png"))

        page.reload()
        wait_until_live(page)
        expect(hold).to_have_class(re.compile(r"\bflagged\b"))
        expect(hold.locator(".callback")).to_have_text("Call the caller back: the shelter closed (no power)")
        expect(hold.get_by_role("button", name="Extend")).to_be_visible()
        page.locator("#my-holds").screenshot(path=str(SCREENSHOTS / "navigator-my-holds-callback.png"))
        with httpx.Client(base_url=seeded.api.base, headers={"Authorization": f"Bearer {tokens['manager']}"}) as api:
            assert api.post(f"/v1/shelters/{shelter_id}/status", json={"status": "open"}).status_code == 200

    def test_a_hold_under_a_quarter_hour_from_expiry_is_marked_with_a_warning(self, open_page, tokens):
        navigator = open_page(tokens["navigator"], path="/#/navigator")
        page = navigator.page

        def nearly_expired(route):
            holds = route.fetch().json()
            for hold in holds:
                if hold["seconds_left"] is not None:
                    hold["seconds_left"] = 14 * 60
            route.fulfill(json=holds)

        page.route(re.compile(r".*/v1/referrals\?limit=\d+$"), nearly_expired)
        wait_until_live(page)
        page.get_by_label("Where is the caller?").fill("Orillia")
        page.get_by_role("button", name="Hold a bed").click()
        expect(page.locator("#referral-result [data-status='held']")).to_be_visible()
        warned = page.locator("#hold-list .hold-item.expiring").first
        expect(warned.locator(".expiring-note")).to_have_text("Expires soon: extend the hold or call the caller.")
        expect(warned.locator(".time-left")).to_have_text(re.compile(r"^1[34] min left$"))


class TestFrench:
    def test_the_toggle_translates_every_label_and_the_map_legend(self, open_page, tokens):
        watched = open_page(tokens["navigator"])
        page = watched.page
        wait_until_live(page)
        watched.screenshot("dashboard-en-1280x800")
        page.get_by_role("button", name="Afficher en français").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("link", name="Tableau de bord")).to_be_visible()
        expect(page.locator("#legend")).to_contain_text("Refuge : lits libres")
        expect(page.locator("#map .water-label").first).to_have_text(re.compile("Lac|Baie"))
        mismatches = page.evaluate("""async () => {
            const { DICTIONARIES } = await import('/static/js/i18n.js');
            const en = Object.keys(DICTIONARIES.en).sort(), fr = Object.keys(DICTIONARIES.fr).sort();
            const keys = JSON.stringify(en) === JSON.stringify(fr) ? [] : ['dictionaries differ'];
            const shown = [...document.querySelectorAll('[data-i18n]')]
                .filter(e => e.textContent !== DICTIONARIES.fr[e.dataset.i18n]).map(e => e.dataset.i18n);
            return keys.concat(shown);
        }""")
        assert mismatches == []
        expect(page.locator("#counters")).to_contain_text("Lits libres")
        expect(page.locator("#shelter-list .badge.sample").first).to_have_text("Exemple")
        watched.screenshot("dashboard-fr-1280x800")

    def test_a_french_browser_starts_in_french_and_fits_a_phone(self, open_page, tokens):
        watched = open_page(tokens["navigator"], lang="fr", viewport=PHONE, path="/#/navigator")
        page = watched.page
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_role("heading", name="Trouver un lit pour un appelant")).to_be_visible()
        wait_until_live(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        watched.screenshot("navigator-fr-phone")
        page.set_viewport_size(DESKTOP)

    def test_why_no_bed_and_an_unknown_place_are_said_in_french_from_their_codes(self, open_page, tokens):
        """The API says why in English beside a code; the French screen shows the code's text."""
        watched = open_page(tokens["navigator"], lang="fr", path="/#/navigator", allowed_errors=("status of 422",))
        page = watched.page
        wait_until_live(page)
        page.locator("#ref-where").fill("Orillia")
        page.locator("#ref-language").select_option("cr")  # no shelter near Orillia serves in Cree
        page.locator("#ref-submit").click()
        left_out = page.locator("#referral-result [data-status='no_capacity'] li").first
        expect(left_out).to_contain_text("pas de service en cri")
        expect(page.locator("#referral-result")).not_to_contain_text("no service in")

        page.locator("#ref-where").fill("Orilia")
        page.locator("#ref-submit").click()
        expect(page.locator("#referral-result .unknown-place")).to_contain_text("Lieu introuvable : Orilia")
        expect(page.locator("#referral-result")).not_to_contain_text("unknown place")


class TestServing:
    def test_the_app_is_served_with_its_files_and_nothing_outside_them(self, seeded):
        base = seeded.api.base
        page = httpx.get(base + "/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert httpx.get(base + "/static/js/main.js").headers["content-type"].startswith("text/javascript")
        for path in ("/static/../routes/dashboard.py", "/static/%2e%2e/main.py", "/static/nothing.js", "/static/"):
            assert httpx.get(base + path).status_code == 404, path
        assert not any(p.startswith("/static") or p == "/" for p in httpx.get(base + "/openapi.json").json()["paths"])

    def test_the_api_docs_render_from_this_server_alone_under_its_content_policy(self, seeded, browser):
        page = browser.new_page()
        try:
            requested, refused = [], []
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
            page.goto(seeded.api.base + "/docs")
            expect(page.locator(".opblock-tag").first).to_be_visible()
            assert page.locator(".opblock-tag", has_text="referrals").count() == 1
            assert requested and all(url.startswith(seeded.api.base) for url in requested), requested
            assert not refused
        finally:
            page.close()

    def test_no_file_of_the_app_reaches_for_the_internet(self):
        for path in STATIC.rglob("*"):
            if path.is_file():
                text = path.read_text("utf-8")
                found = set(re.findall(r"https?://[^\s\"')]+", text)) - {"http://www.w3.org/2000/svg"}
                assert not found, (path, found)
