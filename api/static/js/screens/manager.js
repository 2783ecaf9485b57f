// The emergency manager's screen: declare an incident (drawn, circle or pasted GeoJSON), then
// see which partners were alerted, its danger zones (add one from the same area controls, remove
// one) and its resource requests; and mark a shelter limited or closed (screens/shelter-status.js).

import { ApiError, describe, newId, post, request, untilSettled } from "../api.js";
import { $, $$, h, isSample, replace, sampleBadge } from "../dom.js";
import { formatDateTime, formatNumber, t, term } from "../i18n.js";
import { circleRing } from "../map.js";
import { remember, state } from "../store.js";
import { sortedIncidents } from "./dashboard.js";
import * as shelterStatus from "./shelter-status.js";

const KINDS = ["ice_storm", "winter_storm", "flood", "wildfire", "tornado", "power_outage", "extreme_cold", "heat",
               "hazmat", "evacuation", "other"];
const SEVERITIES = ["minor", "moderate", "severe", "extreme"];
const ZONE_KINDS = ["evacuation", "inundation", "fire", "hazmat", "other"];
/** Kinds whose whole area is a danger zone unless zones are given (DEFAULT_DANGER_ZONES in handlers/incidents.py). */
const WHOLE_AREA_KINDS = new Set(["flood", "wildfire", "hazmat", "evacuation", "tornado"]);

const draw = { ring: [], closed: false, active: false, picking: false };
let busy = false;
let message = null;
/** The danger zone being composed; kept across re-renders of the incident detail. */
const zoneDraft = { kind: "evacuation", note: "" };
let zoneBusy = false;
let zoneMessage = null;

function allowed(app) {
  return app.role === "manager" || app.role === "admin";
}

function mode() {
  return $('input[name="area-mode"]:checked')?.value || "draw";
}

function fillSelect(select, values, prefix) {
  const value = select.value;
  replace(select, values.map((v) => h("option", { value: v, selected: v === value }, term(prefix, v))));
}

/** The GeoJSON geometry pasted: a Polygon or MultiPolygon, or a Feature holding one. */
function pastedGeometry() {
  const text = $("#inc-geojson").value.trim();
  if (!text) return { geometry: null };
  try {
    let value = JSON.parse(text);
    if (value?.type === "FeatureCollection") value = value.features?.[0];
    if (value?.type === "Feature") value = value.geometry;
    return { geometry: value };
  } catch (error) {
    return { error: t("mgr.badGeojson", { error: error.message }) };
  }
}

function circleValues() {
  const lat = Number.parseFloat($("#circle-lat").value);
  const lon = Number.parseFloat($("#circle-lon").value);
  const radius = Number.parseFloat($("#circle-radius").value);
  if ([lat, lon, radius].some((v) => Number.isNaN(v))) return null;
  return { lat, lon, radius };
}

function preview(app) {
  const current = mode();
  if (current === "draw") {
    app.map.setDrawing(draw.ring.length ? { ring: draw.ring, closed: draw.closed } : null);
  } else if (current === "circle") {
    const circle = circleValues();
    app.map.setDrawing(
      circle && circle.radius > 0
        ? { ring: circleRing(circle.lat, circle.lon, circle.radius), closed: true, vertices: false, centre: circle }
        : null,
    );
  } else {
    const { geometry } = pastedGeometry();
    const ring = geometry?.type === "Polygon" ? geometry.coordinates?.[0] : geometry?.type === "MultiPolygon" ? geometry.coordinates?.[0]?.[0] : null;
    app.map.setDrawing(Array.isArray(ring) && ring.every((p) => Array.isArray(p) && p.length >= 2) ? { ring, closed: true, vertices: false } : null);
  }
  renderDrawButtons();
}

function renderDrawButtons() {
  $("#draw-start").disabled = draw.active;
  $("#draw-finish").disabled = !draw.active || draw.ring.length < 3;
  $("#draw-undo").disabled = !draw.active || !draw.ring.length;
  $("#draw-clear").disabled = !draw.ring.length;
  $("#draw-count").textContent = draw.ring.length ? t("mgr.drawCount", { n: draw.ring.length }) : "";
  $("#circle-pick").setAttribute("aria-pressed", draw.picking ? "true" : "false");
}

function renderKindHint() {
  const kind = $("#inc-kind").value;
  const key = WHOLE_AREA_KINDS.has(kind) ? "mgr.kindZoneDefault" : "mgr.kindNoZone";
  $("#inc-kind-hint").textContent = t(key, { kind: term("kind", kind) });
}

function mapStatus(text) {
  $("#map-status").textContent = text || "";
}

function stopMapClicks(app) {
  draw.active = false;
  draw.picking = false;
  app.map.setClickHandler(null);
  mapStatus("");
}

function startDrawing(app) {
  draw.ring = [];
  draw.closed = false;
  draw.active = true;
  draw.picking = false;
  app.map.setClickHandler(({ lat, lon }) => {
    draw.ring.push([lon, lat]);
    preview(app);
  });
  mapStatus(t("mgr.drawing"));
  preview(app);
}

function finishDrawing(app) {
  if (draw.ring.length < 3) return;
  draw.closed = true;
  stopMapClicks(app);
  // The drawn polygon, closed, also goes to the GeoJSON box where it can be read or edited.
  $("#inc-geojson").value = JSON.stringify({ type: "Polygon", coordinates: [[...draw.ring, draw.ring[0]]] });
  preview(app);
}

function pickCentre(app) {
  draw.active = false;
  draw.picking = true;
  app.map.setClickHandler(({ lat, lon }) => {
    $("#circle-lat").value = lat;
    $("#circle-lon").value = lon;
    stopMapClicks(app);
    preview(app);
  });
  mapStatus(t("mgr.picking"));
  renderDrawButtons();
}

function area() {
  const current = mode();
  if (current === "circle") {
    const circle = circleValues();
    if (!circle || circle.radius <= 0) return { error: t("mgr.needArea") };
    return { area: { center: { lat: circle.lat, lon: circle.lon }, radius_km: circle.radius } };
  }
  if (current === "draw" && draw.ring.length >= 3) {
    return { area: { type: "Polygon", coordinates: [[...draw.ring, draw.ring[0]]] } };
  }
  const { geometry, error } = pastedGeometry();
  if (error) return { error };
  if (!geometry) return { error: t("mgr.needArea") };
  return { area: geometry };
}

function errorText(error) {
  if (!(error instanceof ApiError)) return t("error.generic", { detail: String(error) });
  if (error.status === 0) return t("error.network");
  if (error.status === 403) return t("error.forbidden");
  if (error.status === 503) return t("error.unavailable");
  return t("error.generic", { detail: describe(error.detail) });
}

async function declare(app) {
  if (busy) return;
  const title = $("#inc-title").value.trim();
  const { area: geometry, error } = area();
  const problem = !title ? t("mgr.titleField") : error;
  if (problem) {
    message = { error: problem };
    renderMessage();
    return;
  }
  busy = true;
  message = { working: true };
  renderMessage();
  const body = { id: newId("inc-"), kind: $("#inc-kind").value, title, severity: $("#inc-severity").value, area: geometry };
  try {
    const path = `/v1/incidents/${encodeURIComponent(body.id)}`;
    const { status, body: incident } = await untilSettled(path, await post("/v1/incidents", body),
                                                          (reply) => reply.status !== 202);
    // Still 202 at the deadline: accepted, not applied yet. The form is cleared all the same, since
    // sending it again would declare a second incident; the live view shows it once applied.
    const applied = status !== 202;
    if (applied) remember("incidents", incident);
    message = { done: t(applied ? "mgr.declared" : "mgr.accepted", { title: (applied && incident.title) || title }) };
    clearArea(app);
    $("#inc-title").value = "";
    if (applied) {
      app.selectIncident(body.id);
      $("#incident-detail").scrollIntoView({ block: "nearest" });
    }
  } catch (err) {
    message = { error: errorText(err) };
  } finally {
    busy = false;
  }
  renderMessage();
  renderDrawButtons();
}

/** Empty the area controls after the area went to the API (as an incident's or a zone's). */
function clearArea(app) {
  draw.ring = [];
  draw.closed = false;
  stopMapClicks(app);
  $("#inc-geojson").value = "";
  app.map.setDrawing(null);
}

async function addZone(app, incidentId) {
  if (zoneBusy) return;
  const { area: geometry, error } = area();
  if (error) {
    zoneMessage = { error };
    renderDetail(app);
    return;
  }
  zoneBusy = true;
  const path = `/v1/incidents/${encodeURIComponent(incidentId)}/danger-zones/${encodeURIComponent(newId("zone-"))}`;
  const note = zoneDraft.note.trim();
  const body = { update_id: newId("zone-set-"), kind: zoneDraft.kind, area: geometry, ...(note ? { note } : {}) };
  try {
    const { status, body: incident } = await request("PUT", path, body);
    if (status !== 202) remember("incidents", incident);
    zoneMessage = { done: t(status === 202 ? "mgr.zoneAccepted" : "mgr.zoneAdded") };
    zoneDraft.note = "";
    clearArea(app);
  } catch (err) {
    zoneMessage = { error: errorText(err) };
  } finally {
    zoneBusy = false;
  }
  renderDetail(app);
  renderDrawButtons();
}

async function removeZone(app, incidentId, zoneId) {
  const path = `/v1/incidents/${encodeURIComponent(incidentId)}/danger-zones/${encodeURIComponent(zoneId)}` +
    `?update_id=${encodeURIComponent(newId("zone-remove-"))}`;
  try {
    const { status, body: incident } = await request("DELETE", path);
    if (status !== 202) remember("incidents", incident);
    zoneMessage = { done: t(status === 202 ? "mgr.zoneAccepted" : "mgr.zoneRemoved") };
  } catch (err) {
    zoneMessage = { error: errorText(err) };
  }
  renderDetail(app);
}

function zoneSection(app, incident) {
  const zones = incident.danger_zones || [];
  const editable = incident.status === "active" && allowed(app);
  return [
    h("h3", {}, t("mgr.zones")),
    zones.length
      ? h("ul", { class: "list zones" }, zones.map((zone) =>
        h("li", { dataset: { zoneId: zone.id } },
          h("span", { class: "row-main" },
            h("span", { class: "row-title" }, term("zone", zone.kind), zone.note ? ` — ${zone.note}` : ""),
            h("span", { class: "row-meta" }, [
              t(`zone.origin.${zone.origin}`), t("mgr.zoneSet", { when: formatDateTime(zone.set_at) }),
            ].join(" · "))),
          editable
            ? h("button", { type: "button", class: "button subtle", onclick: () => removeZone(app, incident.id, zone.id) },
              t("mgr.removeZone"))
            : null)))
      : h("p", { class: "empty" }, t("mgr.noZones")),
    editable
      ? h("div", { class: "zone-form" },
        h("div", { class: "field-row" },
          h("div", { class: "field" },
            h("label", { for: "zone-kind" }, t("mgr.zoneKind")),
            h("select", { id: "zone-kind", onchange: (event) => { zoneDraft.kind = event.target.value; } },
              ZONE_KINDS.map((k) => h("option", { value: k, selected: k === zoneDraft.kind }, term("zone", k))))),
          h("div", { class: "field" },
            h("label", { for: "zone-note" }, t("mgr.zoneNote")),
            h("input", { id: "zone-note", type: "text", maxlength: 500, value: zoneDraft.note,
                         oninput: (event) => { zoneDraft.note = event.target.value; } }))),
        h("p", { class: "hint" }, t("mgr.zoneHint")),
        h("button", { type: "button", class: "button", id: "zone-add", onclick: () => addZone(app, incident.id) },
          t("mgr.addZone")),
        h("p", { id: "zone-message", class: zoneMessage?.error ? "error" : "success", role: "status" },
          zoneMessage?.error || zoneMessage?.done || ""))
      : null,
  ];
}

function renderMessage() {
  const node = $("#incident-error");
  node.className = message?.error ? "error" : "success";
  node.textContent = message?.error || message?.done || (message?.working ? t("mgr.working") : "");
  $("#inc-submit").disabled = busy || !$("#mgr-role").hidden;
}

function renderIncidentSelect(app) {
  const select = $("#mgr-incident");
  const incidents = sortedIncidents();
  const wanted = app.selectedIncident && state.incidents.has(app.selectedIncident) ? app.selectedIncident : "";
  replace(
    select,
    h("option", { value: "", selected: !wanted }, "—"),
    incidents.map((i) => h("option", { value: i.id, selected: i.id === wanted }, `${i.title} (${t(`incident.status.${i.status}`)})`)),
  );
}

function renderDetail(app) {
  const detail = $("#incident-detail");
  const incident = state.incidents.get(app.selectedIncident);
  if (!incident) {
    replace(detail, h("p", { class: "empty" }, t("mgr.noneSelected")));
    return;
  }
  const alerts = Object.values(incident.alerts || {}).sort((a, b) => a.distance_km - b.distance_km);
  const requests = [...state.requests.values()].filter((r) => r.incident_id === incident.id);
  replace(
    detail,
    h("div", { class: "incident-head", dataset: { incidentId: incident.id } },
      h("h3", {}, incident.title),
      h("p", { class: "row-meta" }, [
        term("kind", incident.kind),
        t(`severity.${incident.severity}`),
        t(`incident.status.${incident.status}`),
        t("incident.declared", { when: formatDateTime(incident.declared_at) }),
      ].join(" · ")),
      incident.area_note ? h("p", { class: "hint" }, `${t("mgr.areaNote")}: ${incident.area_note}`) : null),
    zoneSection(app, incident),
    h("h3", {}, t("mgr.alerts")),
    alerts.length
      ? h("ul", { class: "list alerts" }, alerts.map((alert) => {
        const partner = state.partners.get(alert.partner_id) || { name: alert.partner_id };
        return h("li", { dataset: { partnerId: alert.partner_id } },
          h("span", { class: "partner-icon", "aria-hidden": "true" }),
          h("span", { class: "row-main" },
            h("span", { class: "row-title" }, partner.name, " ", sampleBadge(partner)),
            h("span", { class: "row-meta" }, t("mgr.alertLine", {
              km: formatNumber(alert.distance_km, 1),
              capabilities: (alert.capabilities || []).map((c) => term("cap", c)).join(", "),
            }))));
      }))
      : h("p", { class: "empty" }, t("mgr.noAlerts")),
    state.features.requests ? [
      h("h3", {}, t("mgr.requests")),
      requests.length
        ? h("ul", { class: "list" }, requests.map((r) =>
          h("li", { dataset: { requestId: r.id } },
            h("span", { class: "row-main" },
              h("span", { class: "row-title" }, t("request.line", { quantity: formatNumber(r.quantity), type: term("res", r.resource_type) })),
              h("span", { class: "row-meta" }, [
                t(`request.status.${r.status}`),
                t("request.committed", { committed: r.committed ?? 0 }),
                t("request.remaining", { remaining: r.remaining }),
                Object.entries(r.commitments || {}).map(([id, n]) => `${state.partners.get(id)?.name || id}: ${n}${isSample(state.partners.get(id)) ? ` (${t("sample.badge")})` : ""}`).join(", "),
              ].filter(Boolean).join(" · "))),
            h("span", { class: `badge priority-${r.priority}` }, term("priority", r.priority)))))
        : h("p", { class: "empty" }, t("mgr.noRequests")),
    ] : null,
    incident.status === "active" && allowed(app)
      ? h("button", { type: "button", class: "button danger", id: "incident-close", onclick: () => standDown(app, incident.id) }, t("mgr.close"))
      : null,
  );
}

async function standDown(app, id) {
  try {
    const { body } = await post(`/v1/incidents/${encodeURIComponent(id)}/close`);
    if (body?.status) remember("incidents", body);
  } catch (err) {
    message = { error: errorText(err) };
    renderMessage();
  }
}

export function init(app) {
  fillSelect($("#inc-kind"), KINDS, "kind");
  fillSelect($("#inc-severity"), SEVERITIES, "severity");
  $("#inc-severity").value = "severe";
  $("#inc-kind").addEventListener("change", renderKindHint);
  renderKindHint();
  for (const radio of $$('input[name="area-mode"]')) {
    radio.addEventListener("change", () => {
      for (const panel of $$(".area-mode")) panel.hidden = panel.dataset.mode !== mode();
      stopMapClicks(app);
      preview(app);
    });
  }
  $("#draw-start").addEventListener("click", () => startDrawing(app));
  $("#draw-finish").addEventListener("click", () => finishDrawing(app));
  $("#draw-undo").addEventListener("click", () => {
    draw.ring.pop();
    preview(app);
  });
  $("#draw-clear").addEventListener("click", () => {
    draw.ring = [];
    draw.closed = false;
    preview(app);
  });
  $("#circle-pick").addEventListener("click", () => pickCentre(app));
  for (const id of ["#circle-lat", "#circle-lon", "#circle-radius", "#inc-geojson"]) {
    $(id).addEventListener("input", () => preview(app));
  }
  $("#incident-form").addEventListener("submit", (event) => {
    event.preventDefault();
    declare(app);
  });
  $("#mgr-incident").addEventListener("change", (event) => app.selectIncident(event.target.value || null));
  renderDrawButtons();
  shelterStatus.init(app);
}

export function enter(app) {
  preview(app);
  renderIncidentSelect(app);
  renderDetail(app);
  shelterStatus.render(app);
}

export function leave(app) {
  stopMapClicks(app);
  app.map.setDrawing(null);
  renderDrawButtons();
}

export function roleChanged(app) {
  $("#mgr-role").hidden = allowed(app);
  renderMessage();
  shelterStatus.render(app);
}

export function languageChanged(app) {
  fillSelect($("#inc-kind"), KINDS, "kind");
  fillSelect($("#inc-severity"), SEVERITIES, "severity");
  renderKindHint();
  renderDrawButtons();
  if (draw.active) mapStatus(t("mgr.drawing"));
  if (draw.picking) mapStatus(t("mgr.picking"));
  renderMessage();
  renderIncidentSelect(app);
  renderDetail(app);
  shelterStatus.languageChanged(app);
}

export function update(app, kinds) {
  if (kinds.has("incidents") || kinds.has("requests") || kinds.has("partners") || kinds.has("features")) {
    renderIncidentSelect(app);
    renderDetail(app);
  }
  if (kinds.has("shelters") && app.screen === "manager") shelterStatus.render(app);
}

export function markerSelected(app, kind, id) {
  if (kind === "shelter" && app.screen === "manager") shelterStatus.pick(app, id);
}

export function incidentSelected(app) {
  zoneMessage = null;
  renderIncidentSelect(app);
  renderDetail(app);
}
