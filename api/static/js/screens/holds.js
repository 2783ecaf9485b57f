// "My holds" on the navigator's screen: the navigator's own referrals, read from the API (so they
// survive a reload), with time left on each hold, a warning before it expires, Extend, and the
// reason to call a caller back.

import { ApiError, describe, newId, post } from "../api.js";
import { $, h, replace, sampleBadge } from "../dom.js";
import { formatDateTime, formatDuration, siteStatusText, t, term } from "../i18n.js";
import { loadHolds, state } from "../store.js";

/** Under this many seconds left, a hold is shown as about to expire. */
export const WARN_S = 15 * 60;
const POLL_MS = 20000;

let pollTimer = null;
let tickTimer = null;
const notes = new Map(); // referral id -> {text, error}
const extending = new Set();

/** 'K7M4QX' as it is read over the phone: 'K7M-4QX'. */
export function spokenCode(code) {
  return code ? `${code.slice(0, 3)}-${code.slice(3)}` : "";
}

/** Seconds left on a hold now, counted from what the server said when the list was read. */
function secondsLeft(hold) {
  if (hold.seconds_left == null) return null;
  return hold.seconds_left - (performance.now() - state.holdsReadAt) / 1000;
}

/** Why to call the caller back, in the screen's language. */
export function callbackText(flag) {
  if (flag.reason === "danger_zone") {
    const title = state.incidents.get(flag.incident_id)?.title || flag.incident_id;
    return t("callback.danger_zone", { title });
  }
  if (flag.status_reason) return t("callback.shelter_closedBecause", { reason: term("statusReason", flag.status_reason) });
  return t("callback.shelter_closed");
}

function leftText(left) {
  return left > 0 ? t("holds.left", { time: formatDuration(left) }) : t("holds.expiredNow");
}

async function extend(app, id, actions) {
  if (extending.has(id)) return;
  extending.add(id);
  notes.delete(id);
  render(app, actions);
  try {
    const { status, body } = await post(`/v1/referrals/${encodeURIComponent(id)}/extend`, { id: newId("ext-") });
    notes.set(id, { text: status === 202 ? t("holds.accepted") : t("holds.extended", { when: formatDateTime(body.hold_expires_at) }) });
  } catch (err) {
    const reason = err instanceof ApiError && err.status === 409 ? err.detail?.code : null;
    notes.set(id, { error: true, text: reason ? t(`extendRefused.${reason}`) : t("error.generic", { detail: describe(err.detail ?? String(err)) }) });
  } finally {
    extending.delete(id);
  }
  await refresh(app, actions);
}

function renderHold(app, hold, actions) {
  const shelter = hold.shelter || {};
  const record = state.shelters.get(shelter.id) || shelter;
  const left = hold.status === "held" ? secondsLeft(hold) : null;
  const warning = left != null && left < WARN_S;
  const note = notes.get(hold.id);
  const flagged = hold.callbacks?.length > 0;
  const classes = ["hold-item", flagged ? "flagged" : "", warning ? "expiring" : ""].filter(Boolean).join(" ");
  return h("li", { class: classes, dataset: { referralId: hold.id, status: hold.status } },
    h("span", { class: "row-main" },
      h("span", { class: "row-title" }, shelter.name || t("holds.pending"), " ", sampleBadge(record)),
      h("span", { class: "row-meta" }, [
        t("holds.code", { code: spokenCode(hold.code) }),
        hold.household_size === 1 ? t("holds.onePerson") : t("holds.people", { n: hold.household_size }),
        hold.status === "pending" ? t("holds.pending") : null,
        hold.status === "confirmed" ? t("holds.confirmed") : null,
        siteStatusText(shelter),
      ].filter(Boolean).join(" · ")),
      flagged
        ? h("ul", { class: "callbacks" }, hold.callbacks.map((flag) =>
          h("li", { class: "callback", dataset: { reason: flag.reason } }, t("holds.callback", { why: callbackText(flag) }))))
        : null,
      warning ? h("span", { class: "expiring-note", role: "note" }, t("holds.expiring")) : null,
      note ? h("span", { class: note.error ? "error" : "success", role: note.error ? "alert" : "status" }, note.text) : null),
    h("span", { class: "hold-actions" },
      left != null ? h("span", { class: "time-left row-figure", dataset: { referralId: hold.id } }, leftText(left)) : null,
      h("span", { class: "button-row" },
        hold.status === "held"
          ? h("button", { type: "button", class: "button", dataset: { action: "extend" }, disabled: extending.has(hold.id),
            onclick: () => extend(app, hold.id, actions) }, extending.has(hold.id) ? t("holds.extending") : t("holds.extend"))
          : null,
        h("button", { type: "button", class: "button subtle", dataset: { action: "show" }, onclick: () => actions.show(hold) },
          t("holds.show")))),
  );
}

/** Draw the list as last read; `actions.show(hold)` opens one in the result card. */
export function render(app, actions) {
  const list = $("#hold-list");
  if (!list) return;
  if (!state.holds.length) {
    replace(list, h("li", { class: "empty" }, t("holds.none")));
    return;
  }
  replace(list, state.holds.map((hold) => renderHold(app, hold, actions)));
}

/** Count down on screen; redraw when a hold crosses the warning or runs out. */
function tick(app, actions) {
  let redraw = false;
  for (const node of document.querySelectorAll("#hold-list .time-left")) {
    const hold = state.holds.find((held) => held.id === node.dataset.referralId);
    const left = hold && secondsLeft(hold);
    if (left == null) continue;
    node.textContent = leftText(left);
    const item = node.closest(".hold-item");
    if ((left < WARN_S) !== item.classList.contains("expiring")) redraw = true;
  }
  if (redraw) render(app, actions);
}

export async function refresh(app, actions) {
  try {
    await loadHolds();
  } catch {
    return; // offline or signed out: the last list stays, the live badge says why
  }
  render(app, actions);
}

/** Read the list now and keep it current while the navigator's screen is shown. */
export function start(app, actions) {
  stop();
  refresh(app, actions);
  pollTimer = setInterval(() => refresh(app, actions), POLL_MS);
  tickTimer = setInterval(() => tick(app, actions), 1000);
}

export function stop() {
  clearInterval(pollTimer);
  clearInterval(tickTimer);
  pollTimer = tickTimer = null;
}
