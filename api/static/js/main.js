// The app: sign-in, screens by URL hash, the shared map, and live re-rendering.

import { ApiError, claims, expired, get, getToken, setToken } from "./api.js";
import { $, $$, h, replace } from "./dom.js";
import { applyStatic, lang, onLangChange, setLang, t } from "./i18n.js";
import { OntarioMap } from "./map.js";
import { connect, disconnect, onChange, state } from "./store.js";
import * as dashboard from "./screens/dashboard.js";
import * as manager from "./screens/manager.js";
import * as navigatorScreen from "./screens/navigator.js";

const SCREENS = { dashboard, navigator: navigatorScreen, manager };
const app = { map: null, role: null, claims: null, screen: "dashboard", selectedIncident: null };

function screenFromHash() {
  const name = (window.location.hash || "#/").replace(/^#\/?/, "").split(/[/?]/)[0];
  return SCREENS[name] ? name : "dashboard";
}

function showScreen(name, { focus = false } = {}) {
  const previous = app.screen;
  app.screen = name;
  for (const panel of $$("[data-screen-panel]")) panel.hidden = panel.dataset.screenPanel !== name;
  for (const link of $$(".tabs a")) {
    if (link.dataset.screen === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (previous !== name) SCREENS[previous]?.leave?.(app);
  SCREENS[name].enter?.(app);
  const heading = $(`[data-screen-panel="${name}"] h1`);
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

/** Select an incident everywhere: map outline, hours card, manager detail. */
function selectIncident(id) {
  app.selectedIncident = id;
  app.map?.setSelected(id);
  for (const screen of Object.values(SCREENS)) screen.incidentSelected?.(app, id);
}

function renderLive() {
  const live = $("#live");
  live.dataset.state = state.live;
  replace($(".live-text", live), t(`live.${state.live}`));
}

function renderWho() {
  const who = $("#who");
  if (!app.claims) {
    who.hidden = true;
    return;
  }
  who.hidden = false;
  // "Signed in as" is read out but not shown: the badge itself says the role, which is what fits.
  const [before, after] = t("auth.as").split("{role}");
  const role = [t(`role.${app.claims.role}`)];
  if (app.claims.partner_id) role.push(t("auth.partner", { id: app.claims.partner_id }));
  const badge = $("#who-role");
  badge.dataset.role = app.claims.role;
  replace(badge, h("span", { class: "visually-hidden" }, before), role.join(" · "), after ? h("span", { class: "visually-hidden" }, after) : null);
}

function renderSigninIntro() {
  const [before, after] = t("auth.intro").split("{cmd}");
  replace($("#signin-intro"), before, h("code", {}, "muster token manager"), after ?? "");
}

function showSignin(message = "") {
  disconnect();
  app.claims = null;
  app.role = null;
  $("#app").hidden = true;
  $("#signin").hidden = false;
  $("#signin-error").textContent = message;
  renderWho();
  renderLive();
}

function showApp(payload) {
  app.claims = payload;
  app.role = payload.role;
  $("#signin").hidden = true;
  $("#app").hidden = false;
  renderWho();
  if (!app.map) {
    app.map = new OntarioMap($("#map"), {
      onSelect: (kind, id) => {
        if (kind === "incident") selectIncident(id);
        for (const screen of Object.values(SCREENS)) screen.markerSelected?.(app, kind, id);
      },
    });
    for (const screen of Object.values(SCREENS)) screen.init?.(app);
  }
  for (const screen of Object.values(SCREENS)) screen.roleChanged?.(app);
  showScreen(screenFromHash());
  connect(payload.role);
}

async function signIn(token) {
  const payload = claims(token);
  if (!payload) return t("auth.invalid");
  if (expired(payload)) return t("auth.expired");
  const previous = getToken();
  setToken(token.trim());
  try {
    await get("/v1/incidents?limit=1");
  } catch (error) {
    setToken(previous);
    if (error instanceof ApiError && error.status === 401) return t("auth.rejected", { detail: error.message });
    if (error instanceof ApiError && error.status === 0) return t("error.network");
  }
  showApp(payload);
  return "";
}

let demoTokens = null;

/** Demo servers (MUSTER_DEMO_TOKENS=true) hand out a token per role; others only take a pasted one. */
async function loadDemoTokens() {
  try {
    const { body: config } = await get("/dashboard-config");
    if (config?.demo_tokens) demoTokens = (await get("/v1/demo-tokens")).body.tokens;
  } catch {
    demoTokens = null;
  }
  renderDemoTokens();
}

function renderDemoTokens() {
  const box = $("#demo-tokens");
  box.hidden = !demoTokens;
  if (!demoTokens) return;
  replace(
    $("#demo-token-buttons"),
    Object.entries(demoTokens).map(([role, token]) =>
      h("button", {
        type: "button",
        class: "button",
        dataset: { role },
        onclick: async () => {
          $("#signin-error").textContent = await signIn(token);
        },
      }, t("auth.demoAs", { role: t(`role.${role}`) })),
    ),
  );
}

function renderLegend() {
  const swatch = (cls, attrs = {}) => {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", `swatch ${cls}`);
    const shape = document.createElementNS("http://www.w3.org/2000/svg", attrs.tag || "circle");
    for (const [k, v] of Object.entries(attrs)) if (k !== "tag") shape.setAttribute(k, v);
    svg.appendChild(shape);
    return svg;
  };
  const items = [
    [swatch("incident", { tag: "rect", x: 2, y: 4, width: 16, height: 12, rx: 2 }), "legend.incident"],
    [swatch("danger-zone", { tag: "rect", x: 2, y: 4, width: 16, height: 12 }), "legend.dangerZone"],
    [swatch("incident-closed", { tag: "rect", x: 2, y: 4, width: 16, height: 12, rx: 2 }), "legend.closedIncident"],
    [swatch("shelter-green", { cx: 10, cy: 10, r: 6 }), "legend.shelterGreen"],
    [swatch("shelter-amber", { cx: 10, cy: 10, r: 6 }), "legend.shelterAmber"],
    [swatch("shelter-red", { cx: 10, cy: 10, r: 6 }), "legend.shelterRed"],
    [swatch("shelter-grey", { cx: 10, cy: 10, r: 6 }), "legend.shelterGrey"],
    [swatch("partner", { tag: "path", d: "M10 2L18 10L10 18L2 10Z" }), "legend.partner"],
    [swatch("request", { tag: "path", d: "M10 3L17 16H3Z" }), "legend.request"],
    [swatch("sample", { cx: 10, cy: 10, r: 7 }), "legend.sample"],
    [swatch("drawing", { tag: "rect", x: 2, y: 4, width: 16, height: 12 }), "legend.drawing"],
  ];
  replace($("#legend"), items.map(([icon, key]) => h("li", {}, icon, h("span", {}, t(key)))));
}

function init() {
  app.selectIncident = selectIncident;
  applyStatic(document);
  renderSigninIntro();
  renderLegend();
  renderLive();
  if (window.matchMedia("(max-width: 640px)").matches) $(".legend").open = false;

  $("#lang-toggle").addEventListener("click", () => setLang(lang() === "fr" ? "en" : "fr"));
  onLangChange(() => {
    renderSigninIntro();
    renderDemoTokens();
    renderLegend();
    renderLive();
    renderWho();
    app.map?.render();
    for (const screen of Object.values(SCREENS)) screen.languageChanged?.(app);
  });

  $("#signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("#token-input").value.trim();
    const message = token ? await signIn(token) : t("auth.invalid");
    $("#signin-error").textContent = message;
    if (!message) $("#token-input").value = "";
  });
  $("#sign-out").addEventListener("click", () => {
    setToken(null);
    showSignin();
  });

  $("#zoom-in").addEventListener("click", () => app.map?.zoomBy(1.5));
  $("#zoom-out").addEventListener("click", () => app.map?.zoomBy(1 / 1.5));
  $("#view-south").addEventListener("click", () => app.map?.fit("south"));
  $("#view-all").addEventListener("click", () => app.map?.fit("all"));

  window.addEventListener("hashchange", () => {
    if (!$("#app").hidden) showScreen(screenFromHash(), { focus: true });
  });

  onChange((kinds) => {
    if (kinds.has("live")) {
      renderLive();
      if (state.live === "signedOut" && app.claims) showSignin(t("auth.expired"));
    }
    if (!app.map) return;
    for (const screen of Object.values(SCREENS)) screen.update?.(app, kinds);
  });

  const token = getToken();
  const payload = claims(token);
  if (payload && !expired(payload)) showApp(payload);
  else showSignin(token ? t("auth.expired") : "");
  loadDemoTokens();
}

init();
