// History routing: real links, pushState on click, back/forward re-render, focus to the h1.

import { h, replace } from "./dom.js";
import { ApiError, ENROLMENT_REQUIRED, enrolmentRequired, isAdmin, signedIn } from "./api.js";

/** @typedef {(params: string[], query: URLSearchParams) => Promise<Node> | Node} Page */
/**
 * `enrolment`: the page where an account that must add a second factor does so (the only page
 * such an account is shown).
 * @typedef {{pattern: RegExp, page: Page, admin?: boolean, public?: boolean, enrolment?: string}} Route
 */

/** @type {Route[]} */
const routes = [];
/** @type {(opts: {ended?: boolean, resetDone?: boolean}) => Node} */
let signInPage = () => h("h1", null, "Sign in");
/** @type {() => void} */
let afterRender = () => {};
let generation = 0;
/** The page asked for before enrolment came first: opened once enrolment is done. */
let afterEnrolment = "/";

/** @param {Route} route */
export function route(route) {
  routes.push(route);
}

/** @param {(opts: {ended?: boolean, resetDone?: boolean}) => Node} page */
export function setSignInPage(page) {
  signInPage = page;
}

/** @param {() => void} fn called after each render (the header follows the session) */
export function setAfterRender(fn) {
  afterRender = fn;
}

/**
 * @param {string} path
 * @param {{replace?: boolean}} [opts]
 */
export function navigate(path, opts = {}) {
  if (opts.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  render();
}

export function notFound() {
  return h(
    "div",
    null,
    h("h1", null, "Not found"),
    h("p", null, "This page does not exist, or it is not shared with you."),
  );
}

/** The view element pages render into. */
function view() {
  return /** @type {HTMLElement} */ (document.getElementById("view"));
}

/** @param {Node} node */
function show(node) {
  replace(view(), node);
  afterRender();
  focusHeading();
}

export function focusHeading() {
  const h1 = view().querySelector("h1");
  if (h1) {
    h1.setAttribute("tabindex", "-1");
    h1.focus();
  }
  const text = h1 ? h1.textContent : "";
  document.title = text ? `${text} — asylum-tracker` : "asylum-tracker";
}

/**
 * Shows the sign-in page at the current address (the page opens again after sign-in).
 * @param {{ended?: boolean, resetDone?: boolean}} [opts]
 */
export function showSignIn(opts = {}) {
  generation += 1;
  show(signInPage(opts));
}

/** Renders the page for the current address. */
export async function render() {
  const mine = ++generation;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  let match = null;
  let params = /** @type {string[]} */ ([]);
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) {
      match = r;
      params = m.slice(1).map((p) => decodeURIComponent(p));
      break;
    }
  }
  if (!match?.public && !signedIn()) {
    show(signInPage({}));
    return;
  }
  if (!match?.public && enrolmentRequired() && !match?.enrolment) {
    const enrolment = routes.find((r) => r.enrolment);
    if (enrolment?.enrolment) {
      afterEnrolment = path + location.search;
      history.replaceState(null, "", enrolment.enrolment);
      await render();
      return;
    }
  }
  if (!match || (match.admin && !isAdmin())) {
    show(notFound());
    return;
  }
  /** @type {Node} */
  let node;
  try {
    node = await match.page(params, query);
  } catch (e) {
    if (mine !== generation) return;
    if (e instanceof ApiError && e.status === 401) return; // the session-ended page is showing
    if (e instanceof ApiError && e.problem.type === ENROLMENT_REQUIRED && !match.enrolment) {
      await render(); // enrolment comes first: the gate above now leads there
      return;
    }
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) node = notFound();
    else node = errorPage(e);
  }
  if (mine !== generation) return;
  show(node);
}

/** @param {unknown} e */
function errorPage(e) {
  const detail =
    e instanceof ApiError ? e.message : "The server cannot be reached. Check the connection and reload the page.";
  return h("div", null, h("h1", null, "Something went wrong"), h("p", { role: "alert" }, detail));
}

/** Opens the page asked for before enrolment came first (the agenda if none). */
export function continueAfterEnrolment() {
  const path = afterEnrolment;
  afterEnrolment = "/";
  navigate(path, { replace: true });
}

/** Intercepts same-origin link clicks and back/forward. */
export function start() {
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const target = ev.target instanceof Element ? ev.target.closest("a[href]") : null;
    if (!(target instanceof HTMLAnchorElement) || target.target || target.hasAttribute("download")) return;
    const url = new URL(target.href);
    if (url.origin !== location.origin) return;
    if (/^\/(api|calendar|assets)\//.test(url.pathname)) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
  window.addEventListener("popstate", () => render());
}
