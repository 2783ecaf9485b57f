// The 211 navigator's screen: where, how many, what they need -> a held bed, a sheet, confirm
// or release; or no capacity with the alternatives; or an unknown place with suggestions; the
// other services near the caller and their printable list (screens/services.js); and "My holds",
// the navigator's own referrals (screens/holds.js).

import { ApiError, describe, get, newId, post, untilSettled } from "../api.js";
import { $, h, replace, sampleBadge } from "../dom.js";
import { formatDateTime, formatNumber, reason, siteStatusText, t, term } from "../i18n.js";
import { parseCoordinates } from "../geo.js";
import { state } from "../store.js";
import * as holds from "./holds.js";
import * as services from "./services.js";

const LANGUAGES = ["en", "fr", "es", "ar", "zh", "pa", "oj", "cr"];
const FINAL = new Set(["held", "confirmed", "released", "expired", "no_capacity"]);

let current = null; // {answer, error, suggestions, sheet: {lang, html, url}}
let busy = false;
let holdActions = null; // what a row of "My holds" may do to this screen

function allowed(app) {
  return app.role === "navigator" || app.role === "admin";
}

function renderLanguages() {
  const select = $("#ref-language");
  const value = select.value;
  replace(
    select,
    h("option", { value: "" }, t("nav.anyLanguage")),
    LANGUAGES.map((code) => h("option", { value: code, selected: code === value }, `${term("lang", code)} (${code})`)),
  );
}

function errorText(error) {
  if (!(error instanceof ApiError)) return t("error.generic", { detail: String(error) });
  if (error.status === 0) return t("error.network");
  if (error.status === 403) return t("error.forbidden");
  if (error.status === 429) return t("error.tooMany", { detail: describe(error.detail) });
  if (error.status === 503) return t("error.unavailable");
  return t("error.generic", { detail: describe(error.detail) });
}

async function settle(answer) {
  // 202: still deciding after the API's reply deadline; ask again until there is an outcome.
  const path = `/v1/referrals/${encodeURIComponent(answer.id)}`;
  return (await untilSettled(path, { body: answer }, (reply) => FINAL.has(reply.body.status))).body;
}

function readForm() {
  const where = $("#ref-where").value.trim();
  const coords = parseCoordinates(where);
  if (coords === undefined) return { error: t("nav.badCoords") };
  if (!where) return { error: t("nav.where") };
  const household = Math.min(20, Math.max(1, Number.parseInt($("#ref-household").value, 10) || 1));
  return {
    body: {
      id: newId("ref-"),
      location: coords || { place: where },
      household_size: household,
      needs: {
        pets: $("#ref-pets").checked,
        wheelchair: $("#ref-wheelchair").checked,
        family: $("#ref-family").checked,
        language: $("#ref-language").value || null,
      },
    },
  };
}

async function submit(app) {
  if (busy) return;
  const { body, error } = readForm();
  if (error) {
    current = { error };
    render(app);
    return;
  }
  busy = true;
  current = { working: true };
  render(app);
  try {
    const response = await post("/v1/referrals", body);
    current = { answer: await settle(response.body) };
  } catch (err) {
    if (err instanceof ApiError && err.status === 422 && err.detail && !Array.isArray(err.detail) && "suggestions" in err.detail) {
      current = { unknownPlace: err.detail };
    } else {
      current = { error: errorText(err) };
    }
  } finally {
    busy = false;
  }
  app.map.setFocusShelter(current.answer?.shelter?.id || null);
  render(app);
  $("#referral-result").focus({ preventScroll: false });
  holds.refresh(app, holdActions);
}

async function followUp(app, action) {
  const id = current?.answer?.id;
  if (!id || busy) return;
  busy = true;
  try {
    const { body } = await post(`/v1/referrals/${encodeURIComponent(id)}/${action}`);
    current = { answer: await settle(body), sheet: action === "confirm" ? current.sheet : null };
  } catch (err) {
    current = { ...current, error: errorText(err) };
  } finally {
    busy = false;
  }
  if (current.answer?.status === "released") app.map.setFocusShelter(null);
  render(app);
  holds.refresh(app, holdActions);
}

/** Fetch the printable sheet with the token; show it in a frame and offer it as a new tab. */
async function loadSheet(app, sheetLang) {
  const answer = current?.answer;
  if (!answer?.sheet) return;
  try {
    const { body } = await get(`${answer.sheet}?lang=${sheetLang}`, { accept: "text/html" });
    if (current.sheet?.url) URL.revokeObjectURL(current.sheet.url);
    const url = URL.createObjectURL(new Blob([body], { type: "text/html" }));
    current = { ...current, sheet: { lang: sheetLang, html: body, url } };
  } catch (err) {
    current = { ...current, error: errorText(err) };
  }
  render(app);
}

function fact(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function renderAnswer(app, answer) {
  const status = answer.status;
  if (status === "no_capacity") {
    return h("div", { class: "card result-card no-capacity", dataset: { status } },
      h("h2", {}, t("nav.noCapacity")),
      answer.alternatives?.length
        ? [h("p", {}, t("nav.noCapacityIntro")),
          h("ul", { class: "list" }, answer.alternatives.map((alt) => {
            const shelter = state.shelters.get(alt.shelter_id) || { name: alt.name };
            return h("li", { dataset: { shelterId: alt.shelter_id } },
              h("span", { class: "row-main" },
                h("span", { class: "row-title" }, alt.name, " ", sampleBadge(shelter)),
                h("span", { class: "row-meta" }, alt.reasons.map(reason).join(" · "))),
              h("span", { class: "row-figure" }, t("nav.km", { km: formatNumber(alt.distance_km, 1) })));
          }))]
        : h("p", {}, t("nav.noAlternatives")),
      h("button", { type: "button", class: "button", onclick: () => reset(app) }, t("nav.another")));
  }
  const shelter = answer.shelter || {};
  const record = state.shelters.get(shelter.id) || shelter;
  const headings = { held: "nav.held", confirmed: "nav.confirmed", released: "nav.released", expired: "nav.expired", pending: "nav.pending" };
  const active = status === "held" || status === "confirmed";
  const sheet = current.sheet;
  return h("div", { class: `card result-card status-${status}`, dataset: { status, shelterId: shelter.id || "" } },
    h("h2", {}, t(headings[status] || "nav.pending")),
    h("dl", { class: "facts" },
      fact(t("nav.shelter"), h("span", { class: "result-shelter" }, shelter.name || ""), " ", sampleBadge(record)),
      shelter.place ? fact("", shelter.place) : null,
      siteStatusText(shelter) ? fact(t("nav.status"), siteStatusText(shelter)) : null,
      answer.distance_km != null ? fact(t("nav.distance"), t("nav.km", { km: formatNumber(answer.distance_km, 1) })) : null,
      answer.hold_expires_at && status === "held" ? fact(t("nav.expires"), h("time", { datetime: answer.hold_expires_at }, formatDateTime(answer.hold_expires_at))) : null,
      answer.place ? fact(t("nav.place"), answer.place) : null,
      answer.code ? fact(t("nav.code"), h("code", { class: "referral-code" }, holds.spokenCode(answer.code))) : null,
      fact(t("nav.reference"), h("code", {}, answer.id)),
    ),
    answer.callbacks?.length
      ? h("ul", { class: "callbacks" }, answer.callbacks.map((flag) =>
        h("li", { class: "callback" }, t("holds.callback", { why: holds.callbackText(flag) }))))
      : null,
    active
      ? h("div", { class: "button-row" },
        status === "held" ? h("button", { type: "button", class: "button primary", id: "ref-confirm", onclick: () => followUp(app, "confirm") }, t("nav.confirm")) : null,
        h("button", { type: "button", class: "button danger", id: "ref-release", onclick: () => followUp(app, "release") }, t("nav.release")))
      : h("div", { class: "button-row" }, h("button", { type: "button", class: "button", onclick: () => reset(app) }, t("nav.another"))),
    active && answer.sheet
      ? h("section", { class: "sheet", "aria-label": t("nav.sheet") },
        h("h3", {}, t("nav.sheet")),
        h("div", { class: "button-row" },
          h("button", { type: "button", class: "button", id: "sheet-en", lang: "en", onclick: () => loadSheet(app, "en") }, t("nav.sheetEn")),
          h("button", { type: "button", class: "button", id: "sheet-fr", lang: "fr", onclick: () => loadSheet(app, "fr") }, t("nav.sheetFr"))),
        sheet
          ? [h("div", { class: "button-row" },
            h("a", { class: "button subtle", href: sheet.url, target: "_blank", rel: "noopener", id: "sheet-open" }, t("nav.sheetOpen")),
            h("button", { type: "button", class: "button subtle", onclick: () => $("#sheet-frame")?.contentWindow?.print() }, t("nav.sheetPrint"))),
          h("iframe", { id: "sheet-frame", class: "sheet-frame", title: t("nav.sheetFrame"), sandbox: "allow-same-origin allow-modals", srcdoc: sheet.html, lang: sheet.lang })]
          : null)
      : null,
  );
}

function renderUnknownPlace(app, detail) {
  return services.unknownPlace(detail, { class: "card result-card unknown-place", dataset: { status: "unknown_place" } },
    (name) => {
      $("#ref-where").value = name;
      submit(app);
    });
}

function render(app) {
  const result = $("#referral-result");
  const button = $("#ref-submit");
  button.disabled = busy || !allowed(app);
  button.textContent = busy && current?.working ? t("nav.working") : t("nav.submit");
  if (!current) {
    replace(result);
    return;
  }
  replace(
    result,
    current.error ? h("p", { class: "error", role: "alert" }, current.error) : null,
    current.working ? h("p", { class: "working" }, t("nav.working")) : null,
    current.unknownPlace ? renderUnknownPlace(app, current.unknownPlace) : null,
    current.answer ? renderAnswer(app, current.answer) : null,
  );
}

function reset(app) {
  if (current?.sheet?.url) URL.revokeObjectURL(current.sheet.url);
  current = null;
  app.map.setFocusShelter(null);
  render(app);
  $("#ref-where").focus();
}

/** Open one of "My holds" in the result card, with its sheet and actions. */
function showHold(app, hold) {
  if (current?.sheet?.url) URL.revokeObjectURL(current.sheet.url);
  current = { answer: hold };
  app.map.setFocusShelter(hold.shelter?.id || null);
  render(app);
  $("#referral-result").focus({ preventScroll: false });
}

export function init(app) {
  holdActions = { show: (hold) => showHold(app, hold) };
  renderLanguages();
  services.init();
  $("#referral-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(app);
  });
}

export function enter(app) {
  if (allowed(app)) holds.start(app, holdActions);
}

export function leave() {
  holds.stop();
}

export function roleChanged(app) {
  $("#nav-role").hidden = allowed(app);
  $("#my-holds").hidden = !allowed(app);
  if (!allowed(app)) holds.stop();
  render(app);
}

export function languageChanged(app) {
  renderLanguages();
  render(app);
  services.languageChanged();
  holds.render(app, holdActions);
}

export function update(app, kinds) {
  // Callback reasons name incidents; shelter names and statuses come from the live directory.
  if (app.screen === "navigator" && (kinds.has("incidents") || kinds.has("shelters"))) holds.render(app, holdActions);
}
