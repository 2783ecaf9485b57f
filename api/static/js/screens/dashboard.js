// The situation picture: counters, incidents, volunteer hours, requests, shelters, partners;
// also keeps the shared map's markers current, whatever screen is showing.

import { bars, dayColumns } from "../chart.js";
import { $, h, isSample, replace, sampleBadge } from "../dom.js";
import { formatDateTime, formatNumber, siteStatusText, t, term } from "../i18n.js";
import { hazardsAt, state } from "../store.js";

/** green / amber / red / grey, by free beds; the legend says what each means. */
export function shelterLevel(shelter) {
  if (!shelter.open) return "grey";
  if (shelter.free <= 0) return "red";
  if (shelter.free < Math.max(3, Math.ceil(shelter.capacity * 0.15))) return "amber";
  return "green";
}

export function sortedIncidents() {
  return [...state.incidents.values()].sort((a, b) => {
    if (a.status !== b.status) return a.status === "active" ? -1 : 1;
    return String(b.declared_at).localeCompare(String(a.declared_at));
  });
}

function shelters() {
  return [...state.shelters.values()].map((shelter) => ({
    ...shelter,
    level: shelterLevel(shelter),
    sample: isSample(shelter),
    hazard: hazardsAt(shelter.location.lat, shelter.location.lon).length > 0,
  }));
}

function openRequests() {
  return [...state.requests.values()].filter((r) => r.status === "open" || r.status === "committed");
}

function partnerName(id) {
  return state.partners.get(id)?.name || id;
}

function syncMap(app) {
  const shelterMarks = shelters().map((s) => ({
    ...s,
    tooltip: [
      s.name,
      s.place,
      s.open ? t("shelter.free", { free: s.free, capacity: s.capacity }) : t("shelter.closed"),
      s.hazard ? t("shelter.inHazard") : null,
      s.sample ? t("sample.title") : null,
    ]
      .filter(Boolean)
      .join(" — "),
  }));
  const partnerMarks = [...state.partners.values()].map((p) => ({
    ...p,
    sample: isSample(p),
    tooltip: [p.name, p.base?.place, (p.capabilities || []).map((c) => term("cap", c)).join(", "), isSample(p) ? t("sample.title") : null]
      .filter(Boolean)
      .join(" — "),
  }));
  const requestMarks = openRequests().map((r) => ({
    ...r,
    tooltip: `${t("request.line", { quantity: r.quantity, type: term("res", r.resource_type) })} — ${t("request.remaining", { remaining: r.remaining })} — ${term("priority", r.priority)}`,
  }));
  app.map.setData({
    incidents: [...state.incidents.values()],
    shelters: shelterMarks,
    partners: state.features.partners ? partnerMarks : [],
    requests: state.features.requests ? requestMarks : [],
  });
}

function totalHours() {
  let hours = 0;
  for (const totals of state.hours.values()) hours += totals.hours || 0;
  return hours;
}

function renderCounters() {
  const all = shelters();
  const open = all.filter((s) => s.open);
  const counters = [
    ["dash.activeIncidents", formatNumber([...state.incidents.values()].filter((i) => i.status === "active").length), "incidents"],
    ["dash.openShelters", formatNumber(open.length), "shelters"],
    ["dash.freeBeds", formatNumber(open.filter((s) => !s.hazard).reduce((n, s) => n + Math.max(0, s.free), 0)), "beds"],
  ];
  if (state.features.requests) counters.push(["dash.openRequests", formatNumber(openRequests().length), "requests"]);
  if (state.features.hours) counters.push(["dash.volunteerHours", formatNumber(totalHours(), 1), "hours"]);
  replace(
    $("#counters"),
    counters.map(([key, value, name]) =>
      h("li", { class: "counter", dataset: { counter: name } }, h("span", { class: "counter-value" }, String(value)), h("span", { class: "counter-label" }, t(key))),
    ),
  );
}

function renderIncidents(app) {
  const list = $("#incident-list");
  const incidents = sortedIncidents();
  if (!incidents.length) {
    replace(list, h("li", { class: "empty" }, t("dash.noIncidents")));
    return;
  }
  replace(
    list,
    incidents.map((incident) => {
      const hours = state.hours.get(incident.id);
      const alerts = Object.keys(incident.alerts || {}).length;
      return h(
        "li",
        { class: `incident-item${incident.id === app.selectedIncident ? " selected" : ""}`, dataset: { incidentId: incident.id } },
        h(
          "button",
          {
            type: "button",
            class: "row-button",
            "aria-pressed": incident.id === app.selectedIncident ? "true" : "false",
            onclick: () => app.selectIncident(incident.id),
          },
          h("span", { class: `severity-dot severity-${incident.severity}`, "aria-hidden": "true" }),
          h("span", { class: "row-main" }, h("span", { class: "row-title" }, incident.title),
            h("span", { class: "row-meta" }, [
              term("kind", incident.kind),
              t(`severity.${incident.severity}`),
              t(`incident.status.${incident.status}`),
              t("incident.alerted", { n: alerts }),
            ].join(" · "))),
          state.features.hours && hours ? h("span", { class: "row-figure" }, t("incident.hours", { hours: formatNumber(hours.hours, 1) })) : null,
        ),
      );
    }),
  );
}

function renderHoursSelect(app) {
  const select = $("#hours-incident");
  const incidents = sortedIncidents();
  const withHours = incidents.find((i) => state.hours.get(i.id)?.entries);
  // Until someone picks an incident, show the one with hours logged, newest first.
  const chosen = app.hoursChosen && state.incidents.has(app.hoursIncident);
  const wanted = chosen ? app.hoursIncident : (withHours || incidents[0])?.id;
  replace(select, incidents.map((i) => h("option", { value: i.id, selected: i.id === wanted }, i.title)));
  app.hoursIncident = wanted;
  select.disabled = !incidents.length;
}

function renderHours(app) {
  const card = $("#hours-card");
  card.hidden = !state.features.hours;
  if (!state.features.hours) return;
  const body = $("#hours-body");
  const incident = state.incidents.get(app.hoursIncident);
  const totals = state.hours.get(app.hoursIncident);
  if (!incident || !totals || !totals.entries) {
    replace(body, h("p", { class: "empty" }, t("dash.noHours")));
    return;
  }
  const partnerRows = Object.entries(totals.by_partner)
    .map(([id, sum]) => ({ label: partnerName(id), value: sum.hours, sample: isSample(state.partners.get(id)) }))
    .sort((a, b) => b.value - a.value);
  const activityRows = Object.entries(totals.by_activity).sort(([, a], [, b]) => b.hours - a.hours);
  replace(
    body,
    h("p", { class: "hours-total", dataset: { hours: totals.hours } },
      t("hours.total", { hours: formatNumber(totals.hours, 2), volunteers: formatNumber(totals.volunteers), entries: totals.entries })),
    h("h3", {}, t("dash.byDay")),
    dayColumns(totals.by_day, t("dash.hoursChart", { title: incident.title })),
    h("h3", {}, t("dash.byPartner")),
    bars(partnerRows, t("dash.byPartner")),
    h("h3", {}, t("dash.byActivity")),
    h("ul", { class: "list compact" }, activityRows.map(([activity, sum]) =>
      h("li", {}, h("span", {}, term("activity", activity)), h("span", { class: "row-figure" }, t("hours.h", { hours: formatNumber(sum.hours, 1) }))))),
  );
}

function renderRequests() {
  const card = $("#requests-card");
  card.hidden = !state.features.requests;
  if (!state.features.requests) return;
  const requests = openRequests().sort((a, b) => String(a.needed_by).localeCompare(String(b.needed_by)));
  const list = $("#request-list");
  if (!requests.length) {
    replace(list, h("li", { class: "empty" }, t("dash.noRequests")));
    return;
  }
  replace(
    list,
    requests.map((r) =>
      h("li", { class: "request-item", dataset: { requestId: r.id } },
        h("span", { class: "row-main" },
          h("span", { class: "row-title" }, t("request.line", { quantity: formatNumber(r.quantity), type: term("res", r.resource_type) })),
          h("span", { class: "row-meta" }, [
            state.incidents.get(r.incident_id)?.title || r.incident_id,
            t("request.neededBy", { when: formatDateTime(r.needed_by) }),
            t("request.committed", { committed: r.committed ?? 0 }),
          ].join(" · "))),
        h("span", { class: `badge priority-${r.priority}` }, term("priority", r.priority)),
        h("span", { class: "row-figure" }, t("request.remaining", { remaining: r.remaining })),
      ),
    ),
  );
}

function renderShelters(app) {
  const list = $("#shelter-list");
  const all = shelters().sort((a, b) => (a.place || "").localeCompare(b.place || "") || a.name.localeCompare(b.name));
  if (!all.length) {
    replace(list, h("li", { class: "empty" }, t("dash.noShelters")));
    return;
  }
  replace(
    list,
    all.map((s) =>
      h("li", { class: `shelter-item level-${s.level}${s.id === app.focusShelter ? " focused" : ""}`, dataset: { shelterId: s.id }, tabindex: "-1" },
        h("span", { class: `level-dot level-${s.level}`, "aria-hidden": "true" }),
        h("span", { class: "row-main" },
          h("span", { class: "row-title" }, h("span", { class: "shelter-name" }, s.name), " ", sampleBadge(s)),
          h("span", { class: "row-meta" }, [
            s.place,
            s.accepts_pets ? t("shelter.pets") : null,
            s.accessible ? t("shelter.accessible") : null,
            s.families ? t("shelter.families") : null,
            (s.languages || []).map((l) => l.toUpperCase()).join("/"),
            s.held ? t("shelter.held", { held: s.held }) : null,
            siteStatusText(s),
          ].filter(Boolean).join(" · ")),
          s.hazard ? h("span", { class: "hazard-note" }, t("shelter.inHazard")) : null),
        h("span", { class: "row-figure free" },
          s.open
            ? [h("span", { class: "free-count", dataset: { free: s.free } }, String(s.free)), ` / ${s.capacity}`]
            : t("shelter.closed")),
        h("span", { class: "visually-hidden" }, s.open ? t("shelter.free", { free: s.free, capacity: s.capacity }) : ""),
      ),
    ),
  );
}

function renderPartners() {
  const card = $("#partners-card");
  card.hidden = !state.features.partners;
  if (!state.features.partners) return;
  const partners = [...state.partners.values()].sort((a, b) => Number(isSample(a)) - Number(isSample(b)) || a.name.localeCompare(b.name));
  const list = $("#partner-list");
  if (!partners.length) {
    replace(list, h("li", { class: "empty" }, t("dash.noPartners")));
    return;
  }
  replace(
    list,
    partners.map((p) =>
      h("li", { class: "partner-item", dataset: { partnerId: p.id } },
        h("span", { class: "partner-icon", "aria-hidden": "true" }),
        h("span", { class: "row-main" },
          h("span", { class: "row-title" }, h("span", { class: "partner-name" }, p.name), " ", sampleBadge(p)),
          h("span", { class: "row-meta" }, [p.base?.place, (p.capabilities || []).map((c) => term("cap", c)).join(", ")].filter(Boolean).join(" · "))),
      ),
    ),
  );
}

export function init(app) {
  $("#hours-incident").addEventListener("change", (event) => {
    app.hoursIncident = event.target.value;
    app.hoursChosen = true;
    renderHours(app);
  });
}

export function update(app, kinds) {
  const all = kinds.has("features") || kinds.has("language");
  if (all || kinds.has("incidents") || kinds.has("shelters") || kinds.has("partners") || kinds.has("requests")) syncMap(app);
  renderCounters();
  if (all || kinds.has("incidents") || kinds.has("hours")) {
    renderIncidents(app);
    renderHoursSelect(app);
  }
  if (all || kinds.has("hours") || kinds.has("incidents") || kinds.has("partners")) renderHours(app);
  if (all || kinds.has("requests") || kinds.has("incidents")) renderRequests();
  if (all || kinds.has("shelters") || kinds.has("incidents")) renderShelters(app);
  if (all || kinds.has("partners")) renderPartners();
}

export function languageChanged(app) {
  update(app, new Set(["language"]));
}

export function incidentSelected(app, id) {
  app.hoursIncident = id;
  app.hoursChosen = Boolean(id);
  renderIncidents(app);
  renderHoursSelect(app);
  renderHours(app);
}

export function markerSelected(app, kind, id) {
  if (kind !== "shelter") return;
  app.focusShelter = id;
  app.map.setFocusShelter(id);
  renderShelters(app);
  if (app.screen === "dashboard") {
    const item = document.querySelector(`#shelter-list [data-shelter-id="${CSS.escape(id)}"]`);
    item?.scrollIntoView({ block: "nearest" });
    item?.focus({ preventScroll: true });
  }
}
