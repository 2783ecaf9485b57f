// The SVG map: a hand-drawn Ontario, incident areas, shelters, partner bases and requests.
// Pan by dragging or with the arrow keys, zoom with the wheel, +/- or the buttons.

import { geometryPath, KX, KY, labelPoint, project, ringPath, unproject } from "./geo.js";
import { t, term } from "./i18n.js";
import { CITIES, ISLANDS, JAMES_BAY_LABEL, ONTARIO_OUTLINE, VIEWS, WATERS } from "./ontario.js";

const SVG = "http://www.w3.org/2000/svg";

export const SHELTER_COLOURS = { green: "#1a7f37", amber: "#b45309", red: "#b91c1c", grey: "#6b7280" };
export const SEVERITY_COLOURS = { minor: "#ca8a04", moderate: "#ea580c", severe: "#dc2626", extreme: "#7f1d1d" };
export const PARTNER_COLOUR = "#1d4ed8";
export const REQUEST_COLOUR = "#7e22ce";

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  if (parent) parent.appendChild(node);
  return node;
}

function titled(node, text) {
  el("title", {}, node).textContent = text;
  return node;
}

/** The circle around a centre, as a [lon, lat] ring (for previews; the API draws its own). */
export function circleRing(lat, lon, radiusKm, segments = 64) {
  const ring = [];
  const dLat = radiusKm / 111.32;
  const dLon = radiusKm / (111.32 * Math.cos((lat * Math.PI) / 180));
  for (let i = 0; i <= segments; i += 1) {
    const a = (2 * Math.PI * i) / segments;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}

function bounds([west, south, east, north]) {
  const [x0, y0] = project(west, north);
  const [x1, y1] = project(east, south);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

const FULL = bounds(VIEWS.all);

export class OntarioMap {
  constructor(svg, { onSelect = () => {}, onViewChange = () => {} } = {}) {
    this.svg = svg;
    this.onSelect = onSelect;
    this.onViewChange = onViewChange;
    this.layers = {};
    for (const name of ["base", "incidents", "shelters", "partners", "requests", "highlight", "drawing", "labels"]) {
      this.layers[name] = el("g", { class: `layer layer-${name}`, "data-layer": name }, svg);
    }
    this.data = { incidents: [], shelters: [], partners: [], requests: [] };
    this.selected = null;
    this.focusShelter = null;
    this.drawing = null;
    this.clickHandler = null;
    this.view = { ...bounds(VIEWS.south) };
    this.listen();
    this.resizeObserver = new ResizeObserver(() => this.applyView());
    this.resizeObserver.observe(svg);
    this.applyView();
  }

  /** SVG units per screen pixel at the current zoom. */
  get unit() {
    const width = this.svg.clientWidth || 800;
    return this.viewBox.w / width;
  }

  get zoom() {
    return FULL.w / this.view.w;
  }

  fit(name) {
    this.view = { ...bounds(VIEWS[name]) };
    this.applyView();
  }

  zoomBy(factor, cx = this.view.x + this.view.w / 2, cy = this.view.y + this.view.h / 2) {
    const w = Math.min(FULL.w * 1.2, Math.max(FULL.w / 60, this.view.w / factor));
    const scale = w / this.view.w;
    this.view = {
      x: cx - (cx - this.view.x) * scale,
      y: cy - (cy - this.view.y) * scale,
      w,
      h: this.view.h * scale,
    };
    this.applyView();
  }

  panBy(dx, dy) {
    this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy };
    this.applyView();
  }

  /** Fit the wanted view into the element's aspect ratio without cutting it. */
  applyView() {
    const width = this.svg.clientWidth || 800;
    const height = this.svg.clientHeight || 600;
    const aspect = height / width;
    let { x, y, w, h } = this.view;
    if (h / w > aspect) {
      const nw = h / aspect;
      x -= (nw - w) / 2;
      w = nw;
    } else {
      const nh = w * aspect;
      y -= (nh - h) / 2;
      h = nh;
    }
    this.viewBox = { x, y, w, h };
    this.svg.setAttribute("viewBox", `${x.toFixed(2)} ${y.toFixed(2)} ${w.toFixed(2)} ${h.toFixed(2)}`);
    this.render();
    this.onViewChange(this);
  }

  toMap(event) {
    const point = this.svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const matrix = this.svg.getScreenCTM();
    if (!matrix) return null;
    const local = point.matrixTransform(matrix.inverse());
    return { x: local.x, y: local.y };
  }

  listen() {
    let start = null;
    this.svg.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      start = { sx: event.clientX, sy: event.clientY, view: { ...this.view }, moved: false, id: event.pointerId };
    });
    this.svg.addEventListener("pointermove", (event) => {
      if (!start || start.id !== event.pointerId) return;
      const dx = event.clientX - start.sx;
      const dy = event.clientY - start.sy;
      if (!start.moved && Math.hypot(dx, dy) < 5) return;
      if (!start.moved) {
        start.moved = true;
        this.svg.setPointerCapture(event.pointerId);
        this.svg.classList.add("panning");
      }
      const unit = this.unit;
      this.view = { ...start.view, x: start.view.x - dx * unit, y: start.view.y - dy * unit };
      this.applyView();
    });
    const end = (event) => {
      if (!start || start.id !== event.pointerId) return;
      const wasClick = !start.moved;
      start = null;
      this.svg.classList.remove("panning");
      if (wasClick && event.type === "pointerup") this.click(event);
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
    this.svg.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const at = this.toMap(event);
        const factor = Math.exp(-event.deltaY * 0.0015);
        if (at) this.zoomBy(factor, at.x, at.y);
      },
      { passive: false },
    );
    this.svg.addEventListener("keydown", (event) => {
      const step = this.view.w * 0.1;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[event.key]) {
        this.panBy(...moves[event.key]);
      } else if (event.key === "+" || event.key === "=") {
        this.zoomBy(1.4);
      } else if (event.key === "-" || event.key === "_") {
        this.zoomBy(1 / 1.4);
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  click(event) {
    const at = this.toMap(event);
    if (!at) return;
    const [lon, lat] = unproject(at.x, at.y);
    if (this.clickHandler) {
      this.clickHandler({ lon: Number(lon.toFixed(4)), lat: Number(lat.toFixed(4)) });
      return;
    }
    const target = event.target.closest?.("[data-kind]");
    if (target) this.onSelect(target.dataset.kind, target.dataset.id);
  }

  /** While set, clicks on the map give `handler({lat, lon})` instead of selecting markers. */
  setClickHandler(handler) {
    this.clickHandler = handler;
    this.svg.classList.toggle("picking", Boolean(handler));
  }

  setData(data) {
    Object.assign(this.data, data);
    this.render();
  }

  setSelected(incidentId) {
    this.selected = incidentId;
    this.render();
  }

  setFocusShelter(shelterId) {
    this.focusShelter = shelterId;
    this.render();
  }

  /** The area being drawn: {ring: [[lon, lat]...], closed} or null. */
  setDrawing(drawing) {
    this.drawing = drawing;
    this.renderDrawing();
  }

  render() {
    if (!this.viewBox) return;
    this.renderBase();
    this.renderIncidents();
    this.renderRequests();
    this.renderPartners();
    this.renderShelters();
    this.renderHighlight();
    this.renderDrawing();
  }

  clear(layer) {
    const g = this.layers[layer];
    while (g.firstChild) g.firstChild.remove();
    return g;
  }

  renderBase() {
    const g = this.clear("base");
    const labels = this.clear("labels");
    const u = this.unit;
    const zoom = this.zoom;
    el("rect", { x: -2000, y: -2000, width: 6000, height: 6000, class: "land-other" }, g);
    el("path", { d: ringPath(ONTARIO_OUTLINE), class: "ontario" }, g);
    for (const water of WATERS) el("path", { d: ringPath(water.ring), class: "water" }, g);
    for (const island of ISLANDS) el("path", { d: ringPath(island), class: "ontario island" }, g);
    const size = 12 * u;
    const waterLabels = WATERS.filter((w) => w.key).map((w) => ({ key: w.key, at: w.label }));
    for (const water of [...waterLabels, JAMES_BAY_LABEL]) {
      const [x, y] = project(...water.at);
      el("text", { x, y, class: "water-label", "font-size": size, "text-anchor": "middle" }, labels).textContent = t(
        water.key,
      );
    }
    for (const city of CITIES) {
      if (zoom < city.minZoom) continue;
      const [x, y] = project(...city.at);
      el("circle", { cx: x, cy: y, r: 2.5 * u, class: "city-dot" }, g);
      const text = el("text", { x: x + 5 * u, y: y - 4 * u, class: "city-label", "font-size": size }, labels);
      text.textContent = t(city.key);
    }
  }

  renderIncidents() {
    const g = this.clear("incidents");
    const u = this.unit;
    const ordered = [...this.data.incidents].sort((a, b) => (a.status === b.status ? 0 : a.status === "closed" ? -1 : 1));
    for (const incident of ordered) {
      const d = geometryPath(incident.area);
      if (!d) continue;
      const colour = SEVERITY_COLOURS[incident.severity] || SEVERITY_COLOURS.severe;
      const closed = incident.status !== "active";
      const path = el(
        "path",
        {
          d,
          class: `incident${closed ? " closed" : ""}${incident.id === this.selected ? " selected" : ""}`,
          fill: closed ? "#9ca3af" : colour,
          stroke: closed ? "#4b5563" : colour,
          "fill-rule": "evenodd",
          "data-kind": "incident",
          "data-id": incident.id,
          "data-incident-id": incident.id,
        },
        g,
      );
      titled(path, `${incident.title} (${t(`severity.${incident.severity}`)}, ${t(`incident.status.${incident.status}`)})`);
      if (!closed) {
        for (const zone of incident.danger_zones || []) {
          const zoneD = geometryPath(zone.area);
          if (!zoneD) continue;
          const zonePath = el("path", { d: zoneD, class: "danger-zone", "fill-rule": "evenodd", "data-kind": "danger-zone",
                                        "data-incident-id": incident.id, "data-zone-id": zone.id }, g);
          titled(zonePath, `${t("map.dangerZone", { kind: term("zone", zone.kind) })}: ${incident.title}`);
        }
      }
      const at = labelPoint(incident.area);
      if (at && !closed) {
        const [x, y] = project(...at);
        const label = el("text", { x, y, class: "incident-label", "font-size": 10 * u, "text-anchor": "middle" }, this.layers.labels);
        label.textContent = incident.title;
      }
    }
  }

  renderShelters() {
    const g = this.clear("shelters");
    const u = this.unit;
    for (const shelter of this.data.shelters) {
      const [x, y] = project(shelter.location.lon, shelter.location.lat);
      const group = el(
        "g",
        { class: `shelter shelter-${shelter.level}`, "data-kind": "shelter", "data-id": shelter.id, "data-shelter-id": shelter.id },
        g,
      );
      if (shelter.sample) el("circle", { cx: x, cy: y, r: 9 * u, class: "sample-ring" }, group);
      el("circle", { cx: x, cy: y, r: 6 * u, fill: SHELTER_COLOURS[shelter.level], class: "shelter-dot" }, group);
      if (shelter.hazard) {
        const s = 3.5 * u;
        el("path", { d: `M${x - s},${y - s}L${x + s},${y + s}M${x - s},${y + s}L${x + s},${y - s}`, class: "hazard-cross" }, group);
      }
      titled(group, shelter.tooltip);
    }
  }

  renderPartners() {
    const g = this.clear("partners");
    const u = this.unit;
    for (const partner of this.data.partners) {
      if (!partner.base) continue;
      const [x, y] = project(partner.base.lon, partner.base.lat);
      const s = 5.5 * u;
      const group = el("g", { class: "partner", "data-kind": "partner", "data-id": partner.id }, g);
      if (partner.sample) el("circle", { cx: x, cy: y, r: 9.5 * u, class: "sample-ring" }, group);
      el("path", { d: `M${x},${y - s * 1.3}L${x + s * 1.3},${y}L${x},${y + s * 1.3}L${x - s * 1.3},${y}Z`, fill: PARTNER_COLOUR, class: "partner-mark" }, group);
      titled(group, partner.tooltip);
    }
  }

  renderRequests() {
    const g = this.clear("requests");
    const u = this.unit;
    for (const request of this.data.requests) {
      if (!request.location) continue;
      const [x, y] = project(request.location.lon, request.location.lat);
      const s = 6 * u;
      const group = el("g", { class: "request", "data-kind": "request", "data-id": request.id }, g);
      el("path", { d: `M${x},${y - s}L${x + s},${y + s * 0.8}L${x - s},${y + s * 0.8}Z`, fill: REQUEST_COLOUR, class: "request-mark" }, group);
      titled(group, request.tooltip);
    }
  }

  renderHighlight() {
    const g = this.clear("highlight");
    if (!this.focusShelter) return;
    const shelter = this.data.shelters.find((s) => s.id === this.focusShelter);
    if (!shelter) return;
    const [x, y] = project(shelter.location.lon, shelter.location.lat);
    el("circle", { cx: x, cy: y, r: 14 * this.unit, class: "focus-ring" }, g);
  }

  renderDrawing() {
    const g = this.clear("drawing");
    const drawing = this.drawing;
    if (!drawing || !drawing.ring?.length) return;
    const u = this.unit;
    const closed = drawing.closed && drawing.ring.length >= 3;
    el("path", { d: ringPath(drawing.ring, closed), class: `drawing${closed ? " closed" : ""}` }, g);
    if (drawing.vertices !== false) {
      for (const [lon, lat] of drawing.ring) {
        const [x, y] = project(lon, lat);
        el("circle", { cx: x, cy: y, r: 4 * u, class: "drawing-vertex" }, g);
      }
    }
    if (drawing.centre) {
      const [x, y] = project(drawing.centre.lon, drawing.centre.lat);
      el("circle", { cx: x, cy: y, r: 4 * u, class: "drawing-vertex" }, g);
    }
  }
}

export { KX, KY };
