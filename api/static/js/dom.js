// Building DOM nodes without innerHTML: every value from the API is set as text.

import { t } from "./i18n.js";

/** h("li", {class: "x", dataset: {id}}, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "class") node.className = value;
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function isSample(record) {
  return Boolean(record && (record.sample === true || /^sample:/i.test(record.name || "")));
}

/** The visible mark on every sample shelter or partner record. */
export function sampleBadge(record) {
  if (!isSample(record)) return null;
  return h("span", { class: "badge sample", title: t("sample.title") }, t("sample.badge"));
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return [...root.querySelectorAll(selector)];
}
