// Two small SVG charts for volunteer hours, drawn by hand: columns per day, bars per partner.

import { formatDay, formatNumber } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

/** A column chart of hours per day; `days` is {"2025-03-30": {hours, volunteers, entries}}. */
export function dayColumns(days, label) {
  const entries = Object.entries(days).sort(([a], [b]) => a.localeCompare(b));
  const width = 320;
  const height = 150;
  const pad = { top: 18, right: 8, bottom: 26, left: 8 };
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" });
  el("title", {}, svg, label);
  const max = Math.max(1, ...entries.map(([, v]) => v.hours));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const slot = innerW / Math.max(1, entries.length);
  const barW = Math.min(48, slot * 0.7);
  el("line", { x1: pad.left, x2: width - pad.right, y1: pad.top + innerH, y2: pad.top + innerH, class: "axis" }, svg);
  // Name the month only where it changes, so eight or more days still fit under their columns.
  const labels = entries.map(([day], i) =>
    i > 0 && day.slice(0, 7) === entries[i - 1][0].slice(0, 7) ? String(Number(day.slice(8, 10))) : formatDay(day));
  entries.forEach(([day, value], i) => {
    const h = (value.hours / max) * innerH;
    const x = pad.left + slot * i + (slot - barW) / 2;
    const y = pad.top + innerH - h;
    const bar = el("rect", { x, y, width: barW, height: Math.max(h, 1), rx: 2, class: "bar", "data-day": day }, svg);
    el("title", {}, bar, `${formatDay(day)}: ${formatNumber(value.hours, 2)} h`);
    el("text", { x: x + barW / 2, y: y - 4, "text-anchor": "middle", class: "bar-value" }, svg, formatNumber(value.hours, 1));
    el("text", { x: x + barW / 2, y: height - 8, "text-anchor": "middle", class: "bar-label" }, svg, labels[i]);
  });
  return svg;
}

/** Horizontal bars: rows of {label, value, sample}; the longest bar fills the width. */
export function bars(rows, label) {
  const width = 320;
  const rowH = 22;
  const labelW = 150;
  const height = Math.max(rowH, rows.length * rowH) + 4;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, class: "chart" });
  el("title", {}, svg, label);
  const max = Math.max(1, ...rows.map((r) => r.value));
  rows.forEach((row, i) => {
    const y = i * rowH + 2;
    const name = row.label.length > 24 ? `${row.label.slice(0, 23)}…` : row.label;
    el("text", { x: 0, y: y + 14, class: "bar-label" }, svg, name);
    const w = Math.max(1, (row.value / max) * (width - labelW - 50));
    const bar = el("rect", { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 2, class: row.sample ? "bar sample" : "bar" }, svg);
    el("title", {}, bar, `${row.label}: ${formatNumber(row.value, 2)} h`);
    el("text", { x: labelW + w + 4, y: y + 14, class: "bar-value" }, svg, formatNumber(row.value, 1));
  });
  return svg;
}
