// The HTTP client: the access token lives in this module only; the refresh token is an
// HttpOnly cookie the page never sees (cookie session mode).

const BASE = "/api/v1";
const SESSION_HEADER = { "X-Asylum-Session": "cookie" };

/** @type {string | null} */
let accessToken = null;
/** @type {any} */
let currentUser = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let refreshTimer;
/** @type {Promise<boolean> | null} */
let refreshing = null;
/** @type {() => void} */
let onSessionEnded = () => {};
// Where `auth.mfa = "required"`, an account without a second factor may open only its own
// account and enrolment until it adds one: the token answer says so, and so does any call's 403.
export const ENROLMENT_REQUIRED = "urn:asylum-tracker:problem:mfa-enrolment-required";
let mustEnrol = false;
/** @type {() => void} */
let onEnrolmentRequired = () => {};
// Renewal follows the user's work: a page left open on an unattended desk must not keep its
// session alive past the server's idle limit (auth.session_idle_minutes), so the timer renews
// only after input since the last renewal; otherwise the next call's 401 renews, or ends the
// session with a message once the server refuses.
let activeSinceRenewal = false;
for (const type of ["pointerdown", "keydown"]) {
  addEventListener(
    type,
    () => {
      activeSinceRenewal = true;
    },
    { capture: true, passive: true },
  );
}

/** A failed call: the HTTP status and the problem document (RFC 9457), if any. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{type?: string, title?: string, detail?: string, errors?: {field: string, message: string}[]}} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/** @param {() => void} handler called when the session cannot be renewed */
export function setSessionEndedHandler(handler) {
  onSessionEnded = handler;
}

/** @returns {any} the signed-in user, or null */
export function user() {
  return currentUser;
}

export function isAdmin() {
  return currentUser?.role === "admin";
}

export function signedIn() {
  return accessToken !== null;
}

/** True while the signed-in account must add a second factor before anything else. */
export function enrolmentRequired() {
  return accessToken !== null && mustEnrol;
}

/**
 * Records that the second factor is in place (the server checks the account on every call, so
 * the same token now opens everything), or that it was removed and the server asks for one.
 * @param {boolean} required
 */
export function setEnrolmentRequired(required) {
  mustEnrol = required;
}

/** @param {() => void} handler called when a call answers that enrolment comes first */
export function setEnrolmentRequiredHandler(handler) {
  onEnrolmentRequired = handler;
}

// ---- the busy indicator: shown only when a call takes longer than ~150 ms ----
let pending = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let busyTimer;

function busyStart() {
  pending += 1;
  if (pending === 1) {
    busyTimer = setTimeout(() => showBusy(true), 150);
  }
}

function busyEnd() {
  pending = Math.max(0, pending - 1);
  if (pending === 0) {
    clearTimeout(busyTimer);
    showBusy(false);
  }
}

/** @param {boolean} on */
function showBusy(on) {
  const busy = document.getElementById("busy");
  const main = document.querySelector("main");
  if (busy) busy.hidden = !on;
  if (main) {
    if (on) main.setAttribute("aria-busy", "true");
    else main.removeAttribute("aria-busy");
  }
}

// ---- session ----

/** @param {any} pair the login or refresh answer */
function takePair(pair) {
  // In cookie mode the body has no refresh_token; if an older server still sends one, it is
  // ignored and never stored: renewal then fails and the user signs in again.
  accessToken = String(pair.access_token);
  currentUser = pair.user;
  mustEnrol = pair.mfa_enrolment_required === true;
  clearTimeout(refreshTimer);
  const seconds = Number(pair.expires_in) || 900;
  const wait = Math.max(10, seconds - 60) * 1000;
  activeSinceRenewal = false;
  refreshTimer = setTimeout(() => {
    if (!activeSinceRenewal) return;
    renew().then((ok) => {
      if (!ok) endSession();
    });
  }, wait);
}

function forget() {
  accessToken = null;
  currentUser = null;
  mustEnrol = false;
  clearTimeout(refreshTimer);
}

function endSession() {
  const had = accessToken !== null;
  forget();
  if (had) onSessionEnded();
}

/**
 * Signs in; throws ApiError on failure. An account with a second factor gets no token yet:
 * the answer is `{challenge}`, for {@link secondFactor}.
 * @param {string} email
 * @param {string} password
 * @returns {Promise<{challenge: string} | {challenge?: undefined}>}
 */
export async function login(email, password) {
  const res = await raw("POST", "/auth/login", { email, password }, SESSION_HEADER, false);
  const pair = await readBody(res);
  if (!res.ok) throw new ApiError(res.status, pair || {});
  if (pair && pair.mfa_required) return { challenge: String(pair.challenge_token) };
  takePair(pair);
  return {};
}

/**
 * The second sign-in step: six digits from the app, or (letters in it) a recovery code.
 * @param {string} challenge
 * @param {string} typed
 */
export async function secondFactor(challenge, typed) {
  const value = typed.trim();
  const body = /[a-z]/i.test(value)
    ? { challenge_token: challenge, recovery_code: value }
    : { challenge_token: challenge, code: value.replace(/\s+/g, "") };
  const res = await raw("POST", "/auth/mfa", body, SESSION_HEADER, false);
  const pair = await readBody(res);
  if (!res.ok) throw new ApiError(res.status, pair || {});
  takePair(pair);
}

/**
 * Renews the access token with the refresh cookie (one renewal at a time).
 * @returns {Promise<boolean>}
 */
export function renew() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const res = await raw("POST", "/auth/refresh", {}, SESSION_HEADER, false);
        if (!res.ok) return false;
        const pair = await readBody(res);
        if (!pair || !pair.access_token) return false;
        takePair(pair);
        return true;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

/** Restores a session on page load from the refresh cookie, if there is one. */
export async function restore() {
  return renew();
}

export async function logout() {
  try {
    if (accessToken) await raw("POST", "/auth/logout", undefined, SESSION_HEADER, true);
  } catch {
    // signing out locally is what matters
  }
  forget();
}

/** Replaces the remembered user after a change of one's own name. @param {any} u */
export function setUser(u) {
  currentUser = u;
}

// ---- calls ----

/**
 * @param {string} method
 * @param {string} path under /api/v1
 * @param {unknown} body
 * @param {Record<string, string>} extra
 * @param {boolean} auth
 */
async function raw(method, path, body, extra, auth) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json, application/problem+json", ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  busyStart();
  try {
    return await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } finally {
    busyEnd();
  }
}

/** @param {Response} res */
async function readBody(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: `The server answered ${res.status}.` };
  }
}

/**
 * Calls the API with the access token; on a 401 renews once and retries.
 * @param {string} method
 * @param {string} path under /api/v1, with its query string
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  let res = await raw(method, path, body, {}, true);
  if (res.status === 401 && accessToken) {
    const ok = await renew();
    if (!ok) {
      endSession();
      throw new ApiError(401, { detail: "Your session has ended." });
    }
    res = await raw(method, path, body, {}, true);
    if (res.status === 401) {
      endSession();
      throw new ApiError(401, { detail: "Your session has ended." });
    }
  }
  const data = await readBody(res);
  if (res.status === 403 && data && data.type === ENROLMENT_REQUIRED) {
    // The token answer said nothing (an older session, or the setting changed since): from
    // now on the client leads to enrolment instead of showing pages that cannot load.
    mustEnrol = true;
    onEnrolmentRequired();
  }
  if (!res.ok) throw new ApiError(res.status, data || {});
  return data;
}

/** @param {string} path @returns {Promise<any>} */
export const get = (path) => api("GET", path);

/**
 * Every item of a list endpoint, following `next_cursor` (at most 20 pages).
 * @param {string} path with or without a query string
 * @returns {Promise<any[]>}
 */
export async function getAll(path) {
  const sep = path.includes("?") ? "&" : "?";
  /** @type {any[]} */
  const items = [];
  let cursor = null;
  for (let page = 0; page < 20; page += 1) {
    const data = await get(`${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...(data.items || []));
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** @param {string} s a path segment */
export const seg = (s) => encodeURIComponent(s);
