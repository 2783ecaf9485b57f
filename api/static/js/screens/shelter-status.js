// The shelter status card on the manager's screen: mark a shelter open, limited or closed, and
// why, in one action. Managers and admins may change any shelter, a partner those it runs. A
// shelter a partner registered shows a badge until a manager approves it (here, one click).

import { ApiError, describe, post } from "../api.js";
import { $, h, replace } from "../dom.js";
import { siteStatusText, t, term } from "../i18n.js";
import { remember, state } from "../store.js";

const STATUSES = ["open", "limited", "closed"];
const REASONS = ["no_power", "no_heat", "no_water", "no_staff", "full", "damaged", "other"];

let chosen = null; // shelter id the card shows
let busy = false;
let message = null; // {text, error}

function mayChange(app, shelter) {
  if (app.role === "manager" || app.role === "admin") return true;
  return app.role === "partner" && Boolean(shelter.partner_id) && shelter.partner_id === app.claims?.partner_id;
}

function changeable(app) {
  return [...state.shelters.values()].filter((s) => mayChange(app, s)).sort((a, b) => a.name.localeCompare(b.name));
}

function label(shelter) {
  const status = siteStatusText(shelter) || term("siteStatus", shelter.status || "open");
  return `${shelter.name} (${status}${shelter.approval === "pending" ? `, ${t("mgr.pendingLabel")}` : ""})`;
}

/** The badge and, for a manager or admin, the Approve button of a shelter awaiting approval. */
function renderApproval(app) {
  const shelter = state.shelters.get(chosen);
  $("#status-approval").hidden = shelter?.approval !== "pending";
  $("#status-approve").hidden = !(app.role === "manager" || app.role === "admin");
  $("#status-approve").disabled = busy;
}

async function approve(app) {
  const shelter = state.shelters.get(chosen);
  if (busy || !shelter) return;
  busy = true;
  message = { text: t("mgr.approving") };
  renderChoices(app);
  try {
    const { status: code, body } = await post(`/v1/shelters/${encodeURIComponent(shelter.id)}/approve`, {});
    if (code === 202) message = { text: t("mgr.statusAccepted", { name: shelter.name }) };
    else {
      remember("shelters", body);
      message = { text: t("mgr.approved", { name: body.name }) };
    }
  } catch (err) {
    const detail = err instanceof ApiError ? describe(err.detail) : String(err);
    message = { error: true, text: err instanceof ApiError && err.status === 403 ? t("error.forbidden") : t("error.generic", { detail }) };
  } finally {
    busy = false;
  }
  renderChoices(app);
}

/** Set the status and reason fields to what the chosen shelter says now. */
function showCurrent() {
  const shelter = state.shelters.get(chosen);
  $("#status-value").value = shelter?.status || "open";
  $("#status-reason").value = shelter?.status_reason || "";
  renderReason();
}

function renderReason() {
  const open = $("#status-value").value === "open";
  $("#status-reason").disabled = open || busy;
  if (open) $("#status-reason").value = "";
}

function renderMessage() {
  const node = $("#status-message");
  node.className = message?.error ? "error" : "success";
  node.textContent = message?.text || (busy ? t("mgr.statusSaving") : "");
}

/** The status and reason choices in the screen's language, keeping what is selected. */
function renderOptions() {
  const [status, reason] = [$("#status-value").value, $("#status-reason").value];
  replace($("#status-value"), STATUSES.map((v) => h("option", { value: v, selected: v === status }, term("siteStatus", v))));
  replace($("#status-reason"), h("option", { value: "" }, "—"),
    REASONS.map((v) => h("option", { value: v, selected: v === reason }, term("statusReason", v))));
}

/** The shelters this caller may change, each with its status now. A change seen live does not
 * reset a status being chosen, unless the shelter it was for is gone. */
function renderChoices(app) {
  const shelters = changeable(app);
  $("#status-role").hidden = shelters.length > 0 || app.role === "manager" || app.role === "admin";
  const before = chosen;
  if (!shelters.some((s) => s.id === chosen)) chosen = shelters[0]?.id || null;
  replace(
    $("#status-shelter"),
    shelters.length
      ? shelters.map((s) => h("option", { value: s.id, selected: s.id === chosen }, label(s)))
      : h("option", { value: "" }, t("mgr.statusNone")),
  );
  for (const id of ["#status-shelter", "#status-value", "#status-submit"]) $(id).disabled = busy || !shelters.length;
  if (chosen !== before) showCurrent();
  else renderReason();
  renderApproval(app);
  renderMessage();
}

async function submit(app) {
  const shelter = state.shelters.get(chosen);
  if (busy || !shelter) return;
  const status = $("#status-value").value;
  const reason = $("#status-reason").value || null;
  if (status !== "open" && !reason) {
    message = { error: true, text: t("mgr.statusNeedsReason") };
    renderMessage();
    return;
  }
  busy = true;
  message = null;
  renderChoices(app);
  try {
    const { status: code, body } = await post(`/v1/shelters/${encodeURIComponent(shelter.id)}/status`, { status, reason });
    if (code === 202) {
      message = { text: t("mgr.statusAccepted", { name: shelter.name }) };
    } else {
      remember("shelters", body);
      message = { text: t("mgr.statusSaved", { name: body.name, status: siteStatusText(body) || term("siteStatus", body.status) }) };
    }
  } catch (err) {
    const detail = err instanceof ApiError ? describe(err.detail) : String(err);
    message = { error: true, text: err instanceof ApiError && err.status === 403 ? t("error.forbidden") : t("error.generic", { detail }) };
  } finally {
    busy = false;
  }
  renderChoices(app);
  showCurrent();
}

export function init(app) {
  renderOptions();
  $("#status-shelter").addEventListener("change", (event) => {
    chosen = event.target.value || null;
    message = null;
    showCurrent();
    renderApproval(app);
    renderMessage();
  });
  $("#status-value").addEventListener("change", renderReason);
  $("#status-approve").addEventListener("click", () => approve(app));
  $("#status-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(app);
  });
}

/** Redraw: on entering the screen, a role change, and when shelters change. */
export function render(app) {
  renderChoices(app);
}

export function languageChanged(app) {
  renderOptions();
  renderChoices(app);
}

/** A shelter picked on the map is the one the card shows. */
export function pick(app, id) {
  if (!state.shelters.has(id) || !mayChange(app, state.shelters.get(id))) return;
  chosen = id;
  message = null;
  renderChoices(app);
}
