// What the screens show, kept current: a snapshot from the API, then server-sent events.

import { ApiError, claims, expired, get, getToken } from "./api.js";
import { contains } from "./geo.js";

export const state = {
  incidents: new Map(),
  shelters: new Map(),
  partners: new Map(),
  requests: new Map(),
  hours: new Map(),
  /** The signed-in navigator's own referrals (GET /v1/referrals), and when they were read. */
  holds: [],
  holdsReadAt: 0,
  /** Which optional parts this server offers; a panel hides when its part answers 404. */
  features: { partners: true, requests: true, hours: true },
  live: "signedOut",
  loaded: false,
};

const listeners = new Set();
let pending = new Set();
let scheduled = false;

/** `listener(kinds)` is called once per animation frame with the set of kinds that changed. */
export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function changed(kind) {
  pending.add(kind);
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    const kinds = pending;
    pending = new Set();
    for (const listener of listeners) listener(kinds);
  });
}

function setLive(value) {
  if (state.live !== value) {
    state.live = value;
    changed("live");
  }
}

/** Is `incoming` at least as new as `existing`? State records carry a version, views a timestamp. */
function newer(existing, incoming) {
  if (!existing) return true;
  if (typeof existing.version === "number" && typeof incoming.version === "number") {
    return incoming.version >= existing.version;
  }
  const a = Date.parse(existing.updated_at || "");
  const b = Date.parse(incoming.updated_at || "");
  return Number.isNaN(a) || Number.isNaN(b) || b >= a;
}

function upsert(map, record) {
  const existing = map.get(record.id);
  if (!newer(existing, record)) return false;
  map.set(record.id, existing ? { ...existing, ...record } : record);
  return true;
}

/**
 * The active incidents with a danger zone holding the point: no referral goes there. An incident's
 * affected area alone is no reason to skip a shelter. Recomputed here so live updates agree with it.
 */
export function hazardsAt(lat, lon) {
  const found = [];
  for (const incident of state.incidents.values()) {
    if (incident.status !== "active") continue;
    if ((incident.danger_zones || []).some((zone) => zone.area && contains(zone.area, lon, lat))) found.push(incident.id);
  }
  return found;
}

function missingRoute(error) {
  return error instanceof ApiError && error.status === 404 && error.detail === "Not Found";
}

async function optional(feature, path) {
  try {
    const { body } = await get(path);
    state.features[feature] = true;
    return body;
  } catch (error) {
    if (missingRoute(error)) {
      state.features[feature] = false;
      return null;
    }
    throw error;
  }
}

async function loadHours(incidentId) {
  if (!state.features.hours) return;
  try {
    const { body } = await get(`/v1/incidents/${encodeURIComponent(incidentId)}/volunteer-hours`);
    state.hours.set(incidentId, body);
  } catch (error) {
    // 403: a navigator, whose work never needs partners' hours.
    if (missingRoute(error) || (error instanceof ApiError && error.status === 403)) state.features.hours = false;
    else if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  changed("hours");
}

const hoursTimers = new Map();

/** Totals are folded on the server (corrections replace entries), so re-read them, once per burst. */
function refreshHours(incidentId) {
  clearTimeout(hoursTimers.get(incidentId));
  hoursTimers.set(
    incidentId,
    setTimeout(() => {
      hoursTimers.delete(incidentId);
      loadHours(incidentId).catch(() => {});
    }, 250),
  );
}

const APPLY = {
  "incident-state": (data) => upsert(state.incidents, data) && (changed("incidents"), changed("shelters")),
  "shelter-state": (data) => upsert(state.shelters, data) && changed("shelters"),
  "partner-state": (data) => upsert(state.partners, data) && changed("partners"),
  "request-state": (data) => upsert(state.requests, data) && changed("requests"),
  "hours-log": (data) => data.incident_id && refreshHours(data.incident_id),
};

let source = null;
let buffered = null;
let retryTimer = null;
let retryDelay = 1000;
let generation = 0;

async function loadSnapshot(run) {
  const [incidents, shelters, partners, requests] = await Promise.all([
    get("/v1/incidents?limit=1000").then((r) => r.body),
    get("/v1/shelters?limit=1000").then((r) => r.body),
    optional("partners", "/v1/partners?limit=1000"),
    optional("requests", "/v1/resource-requests?limit=1000"),
  ]);
  if (run !== generation) return;
  state.incidents = new Map(incidents.map((i) => [i.id, i]));
  state.shelters = new Map(shelters.map((s) => [s.id, s]));
  state.partners = new Map((partners || []).map((p) => [p.id, p]));
  state.requests = new Map((requests || []).map((r) => [r.id, r]));
  state.loaded = true;
  for (const kind of ["incidents", "shelters", "partners", "requests", "features"]) changed(kind);
  // Changes that arrived while the snapshot was read apply on top of it when newer.
  const queue = buffered || [];
  buffered = null;
  for (const [kind, data] of queue) APPLY[kind](data);
  await Promise.all([...state.incidents.keys()].slice(0, 50).map((id) => loadHours(id)));
}

function onEvent(kind, message) {
  let change;
  try {
    change = JSON.parse(message.data);
  } catch {
    return;
  }
  if (!change || typeof change.data !== "object") return;
  if (buffered) buffered.push([kind, change.data]);
  else APPLY[kind]?.(change.data);
}

const COORDINATORS = new Set(["manager", "admin"]);
const POLL_MS = 30000;
let pollTimer = null;

/**
 * The event stream carries partners, requests and hours only to managers and admins (as REST
 * hides their commitments from others); other roles re-read those parts every half minute.
 */
async function poll(run) {
  if (run !== generation || !state.loaded) return;
  const [partners, requests] = await Promise.all([
    state.features.partners ? optional("partners", "/v1/partners?limit=1000") : null,
    state.features.requests ? optional("requests", "/v1/resource-requests?limit=1000") : null,
  ]);
  if (run !== generation) return;
  if (partners) for (const p of partners) upsert(state.partners, p) && changed("partners");
  if (requests) for (const r of requests) upsert(state.requests, r) && changed("requests");
  await Promise.all([...state.incidents.keys()].slice(0, 50).map((id) => loadHours(id)));
}

/** (Re)connect the event stream and reload the snapshot; call after signing in or out. */
export function connect(role = null) {
  disconnect();
  // Volunteer hours are for managers and partners; a navigator's work never needs them (403).
  state.features.hours = role !== "navigator";
  const token = getToken();
  if (!token) {
    setLive("signedOut");
    return;
  }
  const run = ++generation;
  setLive("connecting");
  if (!COORDINATORS.has(role)) {
    pollTimer = setInterval(() => poll(run).catch(() => {}), POLL_MS);
  }
  buffered = [];
  source = new EventSource(`/v1/events?token=${encodeURIComponent(token)}`);
  for (const kind of Object.keys(APPLY)) {
    source.addEventListener(kind, (message) => onEvent(kind, message));
  }
  source.addEventListener("open", () => {
    if (run !== generation) return;
    retryDelay = 1000;
    setLive("live");
    // After every (re)connection, read the snapshot again: events may have been missed.
    if (!buffered) buffered = [];
    loadSnapshot(run).catch((error) => {
      buffered = null;
      if (error instanceof ApiError && error.status === 401) setLive("signedOut");
    });
  });
  source.addEventListener("error", () => {
    if (run !== generation) return;
    setLive("offline");
    if (source && source.readyState === EventSource.CLOSED) {
      if (expired(claims(getToken()))) {
        // The stream answered 401 because the token ran out: back to the sign-in box.
        disconnect();
        setLive("signedOut");
        return;
      }
      // The browser gave up (e.g. the server answered 5xx); try again with a growing delay.
      retryTimer = setTimeout(() => connect(role), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  });
}

export function disconnect() {
  generation += 1;
  state.holds = [];
  clearTimeout(retryTimer);
  clearInterval(pollTimer);
  if (source) {
    source.close();
    source = null;
  }
  buffered = null;
}

/** Replace or add one record as the API answered it (e.g. after declaring an incident). */
export function remember(kind, record) {
  const map = { incidents: state.incidents, shelters: state.shelters, requests: state.requests }[kind];
  if (map && record?.id && upsert(map, record)) {
    changed(kind);
    if (kind === "incidents") changed("shelters");
  }
}

/** Read the navigator's holds from the API: they are not kept only in this page, so a reload shows them. */
export async function loadHolds() {
  const { body } = await get("/v1/referrals?limit=200");
  state.holds = Array.isArray(body) ? body : [];
  state.holdsReadAt = performance.now();
}

export { loadHours };
