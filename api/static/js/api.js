// The bearer token (kept in sessionStorage, so it goes when the tab closes) and calls to the API.

import { reason } from "./i18n.js";

const TOKEN_KEY = "muster.token";

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

export function getToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  try {
    if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lives only as long as this page.
  }
}

/**
 * The token's claims, read without verifying the signature (the API verifies; this is only to
 * show the role). Returns null for anything that is not a JWT carrying a role.
 */
export function claims(token) {
  if (!token) return null;
  const parts = token.trim().split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof payload !== "object" || payload === null || typeof payload.role !== "string") return null;
    return payload;
  } catch {
    return null;
  }
}

export function expired(payload, now = Date.now()) {
  return typeof payload?.exp === "number" && payload.exp * 1000 <= now;
}

/** A client-supplied command id (the API makes commands idempotent by it). */
export function newId(prefix = "") {
  let uuid;
  if (window.crypto?.randomUUID) {
    uuid = window.crypto.randomUUID();
  } else {
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return prefix + uuid;
}

/**
 * Call the API with the token. Resolves to `{status, body}` for 2xx; throws ApiError with the
 * response's `detail` otherwise, or with status 0 when the server cannot be reached.
 */
export async function request(method, path, body, { accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, String(error));
  }
  const type = response.headers.get("content-type") || "";
  let payload = null;
  if (type.includes("application/json")) {
    payload = await response.json().catch(() => null);
  } else {
    payload = await response.text();
  }
  if (!response.ok) {
    const detail = payload && typeof payload === "object" && "detail" in payload ? payload.detail : payload;
    throw new ApiError(response.status, detail ?? response.statusText);
  }
  return { status: response.status, body: payload };
}

export const get = (path, options) => request("GET", path, undefined, options);
export const post = (path, body) => request("POST", path, body);

/**
 * After a 202 (the API took the command, a worker had not answered by its deadline): ask `path`
 * every half second until `settled(reply)` or 30 s pass, and resolve to the last `{status, body}`.
 * Until a worker takes the command up the API has no state for it and answers 404: not yet.
 */
export async function untilSettled(path, reply, settled) {
  const deadline = Date.now() + 30000;
  while (!settled(reply) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      reply = await get(path);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  return reply;
}

/**
 * An error's `detail` as one readable line: a refusal's reason (`{code, ...}`) in the current
 * language, a FastAPI validation error's list joined, anything else as its message or text.
 */
export function describe(detail) {
  if (detail && typeof detail === "object" && !Array.isArray(detail) && "code" in detail) return reason(detail);
  if (Array.isArray(detail)) {
    return detail
      .map((item) => `${(item.loc || []).filter((p) => p !== "body").join(".")}: ${item.msg}`)
      .join("; ");
  }
  if (detail && typeof detail === "object") return detail.message || JSON.stringify(detail);
  return String(detail ?? "");
}
