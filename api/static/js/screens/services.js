// The navigator's service search, beside the bed referral: warming centres, charging, meals and
// every other 211 service near the caller (GET /v1/services), nearest first, with the sites left
// out and why (translated from the API's reason codes), and the printable list for the caller
// (GET /v1/services/list). The caller's place is sent with each search and kept nowhere.

import { ApiError, describe, get } from "../api.js";
import { $, h, replace, sampleBadge } from "../dom.js";
import { formatNumber, lang, siteStatusText, t, term } from "../i18n.js";
import { parseCoordinates } from "../geo.js";
import { state } from "../store.js";

/** Every type of handlers/sites.py SERVICE_TYPES, in its order; labels are `serviceType.<type>`. */
export const SERVICE_TYPES = [
  "overnight_shelter", "warming_centre", "cooling_centre", "charging_station", "meals", "food_bank",
  "drinking_water", "showers", "pharmacy", "medical_device_power", "transport", "pet_shelter", "information_centre",
];
const LANGUAGES = ["en", "fr", "es", "ar", "zh", "pa", "oj", "cr"];
const COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];
const ONTARIO = "America/Toronto";
const WEEK_MS = 7 * 24 * 3600 * 1000;
const HERE_KM = 0.05;

let current = null; // {query, answer, error, unknownPlace, working, list: {lang, html, url}}
let busy = false;

function locale() {
  return lang() === "fr" ? "fr-CA" : "en-CA";
}

/** A time on Ontario's clocks, as the site's hours are kept: "22:00", "22 h 00". */
function clockTime(iso) {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: ONTARIO })
    .format(new Date(iso));
}

function ontarioDay(iso) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ONTARIO }).format(new Date(iso));
}

function weekday(iso) {
  return new Intl.DateTimeFormat(locale(), { weekday: "short", timeZone: ONTARIO }).format(new Date(iso));
}

/** "open now, closes 22:00", "opens at 08:00", "opens Mon at 08:00", read at the search's `at`. */
export function hoursText(site, at) {
  if (site.open_now) {
    const closes = site.closes_at;
    if (!closes || Date.parse(closes) - Date.parse(at) > WEEK_MS) return t("svc.openAround");
    if (ontarioDay(closes) === ontarioDay(at)) return t("svc.closesAt", { time: clockTime(closes) });
    return t("svc.closesOn", { day: weekday(closes), time: clockTime(closes) });
  }
  const opens = site.opens_at;
  if (!opens) return t("svc.neverOpens");
  if (ontarioDay(opens) === ontarioDay(at)) return t("svc.opensAt", { time: clockTime(opens) });
  return t("svc.opensOn", { day: weekday(opens), time: clockTime(opens) });
}

/** Eight-point compass direction from one point to another (initial great-circle bearing). */
export function compass(from, to) {
  const rad = Math.PI / 180;
  const dLon = (to.lon - from.lon) * rad;
  const y = Math.sin(dLon) * Math.cos(to.lat * rad);
  const x = Math.cos(from.lat * rad) * Math.sin(to.lat * rad) - Math.sin(from.lat * rad) * Math.cos(to.lat * rad) * Math.cos(dLon);
  const bearing = (Math.atan2(y, x) / rad + 360) % 360;
  return COMPASS[Math.round(bearing / 45) % 8];
}

function distanceText(site, center) {
  if (site.distance_km == null) return "";
  if (site.distance_km < HERE_KM) return t("svc.here");
  return t("svc.distance", { km: formatNumber(site.distance_km, 1), dir: t(`compass.${compass(center, site.location)}`) });
}

function incidentTitle(id) {
  return state.incidents.get(id)?.title || id;
}

/** One reason a site was left out, from its code and parameters (never from the English message). */
export function exclusionText(reason) {
  switch (reason.code) {
    case "closed":
      return reason.status_reason
        ? t("exclusion.closedBecause", { reason: term("statusReason", reason.status_reason) })
        : t("exclusion.closed");
    case "not_open_now":
      return reason.opens_at
        ? t("exclusion.not_open_now", { when: `${weekday(reason.opens_at)} ${clockTime(reason.opens_at)}` })
        : t("exclusion.not_open_nowNever");
    case "in_danger_zone":
      return t("exclusion.in_danger_zone", { titles: (reason.incidents || []).map(incidentTitle).join(", ") });
    case "no_language":
      return t("exclusion.no_language", { lang: term("lang", reason.language) });
    default:
      return t(`exclusion.${reason.code}`);
  }
}

function renderTypes() {
  const box = $("#svc-types");
  const checked = new Set([...box.querySelectorAll("input:checked")].map((input) => input.value));
  replace(box, SERVICE_TYPES.map((type) =>
    h("label", {},
      h("input", { type: "checkbox", name: "svc-type", value: type, checked: checked.has(type) }),
      " ", h("span", {}, t(`serviceType.${type}`)))));
}

function renderLanguages() {
  const select = $("#svc-language");
  const value = select.value;
  replace(
    select,
    h("option", { value: "" }, t("nav.anyLanguage")),
    LANGUAGES.map((code) => h("option", { value: code, selected: code === value }, `${term("lang", code)} (${code})`)),
  );
}

/** The search as the form says it: `{where, types, open_now, needs}`, or `{error}`. */
function readForm() {
  const where = $("#svc-where").value.trim();
  if (!where) return { error: t("nav.where") };
  const coords = parseCoordinates(where);
  if (coords === undefined) return { error: t("nav.badCoords") };
  return {
    query: {
      coords,
      place: coords ? null : where,
      types: [...$("#svc-types").querySelectorAll("input:checked")].map((input) => input.value),
      open_now: $("#svc-open-now").checked,
      pets: $("#svc-pets").checked,
      wheelchair: $("#svc-wheelchair").checked,
      family: $("#svc-family").checked,
      language: $("#svc-language").value || null,
    },
  };
}

/** Query parameters for GET /v1/services or /v1/services/list. */
function params(query, extra = {}) {
  const found = new URLSearchParams();
  if (query.coords) {
    found.set("lat", String(query.coords.lat));
    found.set("lon", String(query.coords.lon));
  } else {
    found.set("place", query.place);
  }
  for (const type of query.types) found.append("type", type);
  for (const flag of ["open_now", "pets", "wheelchair", "family"]) if (query[flag]) found.set(flag, "true");
  if (query.language) found.set("language", query.language);
  for (const [key, value] of Object.entries(extra)) found.set(key, value);
  return found.toString();
}

function errorText(error) {
  if (!(error instanceof ApiError)) return t("error.generic", { detail: String(error) });
  if (error.status === 0) return t("error.network");
  if (error.status === 403) return t("error.forbidden");
  if (error.status === 429) return t("error.tooMany", { detail: describe(error.detail) });
  return t("error.generic", { detail: describe(error.detail) });
}

function forgetList() {
  if (current?.list?.url) URL.revokeObjectURL(current.list.url);
}

async function search() {
  if (busy) return;
  const { query, error } = readForm();
  forgetList();
  if (error) {
    current = { error };
    render();
    return;
  }
  busy = true;
  current = { working: true };
  render();
  try {
    const { body } = await get(`/v1/services?${params(query)}`);
    current = { query, answer: body };
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && err.detail && !Array.isArray(err.detail) && "suggestions" in err.detail) {
      current = { unknownPlace: err.detail };
    } else {
      current = { error: errorText(err) };
    }
  } finally {
    busy = false;
  }
  render();
  $("#service-result").focus({ preventScroll: false });
}

/** Fetch the printable list with the token; show it in a frame and offer it as a new tab. */
async function loadList(listLang) {
  const query = current?.query;
  if (!query || query.coords) return;
  try {
    const { body } = await get(`/v1/services/list?${params(query, { lang: listLang })}`, { accept: "text/html" });
    forgetList();
    const url = URL.createObjectURL(new Blob([body], { type: "text/html" }));
    current = { ...current, list: { lang: listLang, html: body, url }, error: null };
  } catch (err) {
    current = { ...current, error: errorText(err) };
  }
  render();
}

function siteItem(site, answer) {
  const status = siteStatusText(site);
  const reach = site.address ? `${site.address.address_1}, ${site.address.city}` : site.place;
  return h("li", { class: "service-item", dataset: { siteId: site.id, serviceType: site.service_type } },
    h("span", { class: "row-main" },
      h("span", { class: "row-title" }, site.name, " ", sampleBadge(site)),
      h("span", { class: "row-meta" }, t(`serviceType.${site.service_type}`), reach ? ` · ${reach}` : "",
        site.phone ? [" · ", h("a", { href: `tel:${site.phone.replace(/[^0-9+]/g, "")}` }, t("svc.phone", { phone: site.phone }))] : null),
      h("span", { class: `row-meta hours ${site.open_now ? "open" : "shut"}` }, hoursText(site, answer.at)),
      status ? h("span", { class: "row-meta status-note" }, status) : null,
      site.free_beds != null
        ? h("span", { class: "row-meta" }, site.free_beds === 1 ? t("svc.freeBed") : t("svc.freeBeds", { n: site.free_beds }))
        : null,
      (site.in_affected_areas || []).map((id) => h("span", { class: "row-meta area-note" }, t("svc.inArea", { title: incidentTitle(id) })))),
    h("span", { class: "row-figure" }, distanceText(site, answer.center)));
}

function excludedItem(site, answer) {
  return h("li", { class: "excluded-item", dataset: { siteId: site.id, serviceType: site.service_type } },
    h("span", { class: "row-main" },
      h("span", { class: "row-title" }, site.name, " ", sampleBadge(site)),
      h("span", { class: "row-meta" }, t(`serviceType.${site.service_type}`)),
      h("span", { class: "row-meta exclusion" }, site.reasons.map(exclusionText).join(" · "))),
    h("span", { class: "row-figure" }, distanceText(site, answer.center)));
}

function renderList() {
  const list = current.list;
  const byTown = !current.query.coords;
  return h("section", { class: "service-list", "aria-label": t("svc.list") },
    h("h3", {}, t("svc.list")),
    h("p", { class: "hint" }, byTown ? t("svc.listIntro") : t("svc.listNeedsTown")),
    h("div", { class: "button-row" },
      h("button", { type: "button", class: "button", id: "list-en", lang: "en", disabled: !byTown, onclick: () => loadList("en") }, t("svc.listEn")),
      h("button", { type: "button", class: "button", id: "list-fr", lang: "fr", disabled: !byTown, onclick: () => loadList("fr") }, t("svc.listFr"))),
    list
      ? [h("div", { class: "button-row" },
        h("a", { class: "button subtle", href: list.url, target: "_blank", rel: "noopener", id: "list-open" }, t("svc.listOpen")),
        h("button", { type: "button", class: "button subtle", id: "list-print", onclick: () => $("#list-frame")?.contentWindow?.print() }, t("svc.listPrint"))),
      h("iframe", { id: "list-frame", class: "sheet-frame", title: t("svc.listFrame"), sandbox: "allow-same-origin allow-modals", srcdoc: list.html, lang: list.lang })]
      : null);
}

function renderAnswer(answer) {
  const where = answer.place || `${formatNumber(answer.center.lat, 4)}, ${formatNumber(answer.center.lon, 4)}`;
  return h("div", { class: "service-answer", dataset: { count: String(answer.results.length) } },
    answer.results.length
      ? [h("p", { class: "hint" }, t("svc.found", { place: where })),
        h("ol", { class: "list services" }, answer.results.map((site) => siteItem(site, answer)))]
      : h("p", { class: "empty" }, t("svc.none", { km: formatNumber(answer.radius_km) })),
    answer.excluded.length
      ? [h("h3", {}, t("svc.excluded")), h("ul", { class: "list excluded" }, answer.excluded.map((site) => excludedItem(site, answer)))]
      : null,
    renderList());
}

/** The answer to a place the gazetteer does not know: its message, and the places it suggests as
 * buttons that call `choose(name)`. `attrs` are the container's (class, dataset). */
export function unknownPlace(detail, attrs, choose) {
  const suggestions = detail.suggestions || [];
  return h("div", attrs,
    h("p", { class: "error" }, t("nav.unknownPlace", { message: detail.message || "" })),
    suggestions.length
      ? [h("p", {}, t("nav.suggestions")),
        h("ul", { class: "suggestions" }, suggestions.map((name) =>
          h("li", {}, h("button", { type: "button", class: "button subtle suggestion", onclick: () => choose(name) },
            name))))]
      : h("p", {}, t("nav.noSuggestions")));
}

function renderUnknownPlace(detail) {
  return unknownPlace(detail, { class: "unknown-place" }, (name) => {
    $("#svc-where").value = name;
    $("#svc-where").dataset.touched = "true";
    search();
  });
}

export function render() {
  const button = $("#svc-submit");
  button.disabled = busy;
  button.textContent = busy ? t("svc.working") : t("svc.submit");
  const result = $("#service-result");
  if (!current) {
    replace(result);
    return;
  }
  replace(
    result,
    current.error ? h("p", { class: "error", role: "alert" }, current.error) : null,
    current.working ? h("p", { class: "working" }, t("svc.working")) : null,
    current.unknownPlace ? renderUnknownPlace(current.unknownPlace) : null,
    current.answer ? renderAnswer(current.answer) : null,
  );
}

/** The caller's place and needs on the bed form are copied here until the navigator edits these. */
const MIRRORED = [["#ref-where", "#svc-where"], ["#ref-pets", "#svc-pets"], ["#ref-wheelchair", "#svc-wheelchair"],
  ["#ref-family", "#svc-family"], ["#ref-language", "#svc-language"]];

function mirror() {
  for (const [from, to] of MIRRORED) {
    const source = $(from);
    const target = $(to);
    if (target.dataset.touched) continue;
    if (source.type === "checkbox") target.checked = source.checked;
    else target.value = source.value;
  }
}

export function init() {
  renderTypes();
  renderLanguages();
  for (const [from, to] of MIRRORED) {
    $(from).addEventListener("input", mirror);
    $(from).addEventListener("change", mirror);
    $(to).addEventListener("input", () => { $(to).dataset.touched = "true"; });
    $(to).addEventListener("change", () => { $(to).dataset.touched = "true"; });
  }
  $("#service-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
}

export function languageChanged() {
  renderTypes();
  renderLanguages();
  render();
}
