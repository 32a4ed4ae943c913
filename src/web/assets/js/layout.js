// The header: the signed-in user's name, the main navigation and "Sign out".

import { h, replace } from "./dom.js";
import { enrolmentRequired, isAdmin, logout, user } from "./api.js";
import { showSignIn } from "./router.js";

/** Redraws the header for the current session and address. */
export function renderHeader() {
  const header = /** @type {HTMLElement} */ (document.getElementById("site-header"));
  const u = user();
  const brand = h("a", { class: "brand", href: "/" }, "asylum-tracker");
  if (!u) {
    replace(header, h("div", { class: "bar" }, h("span", { class: "brand" }, "asylum-tracker")));
    return;
  }
  /** @type {[string, string][]} */
  const links = enrolmentRequired()
    ? [["/account", "Account"]] // nothing else opens until a second factor is added
    : [
        ["/", "Agenda"],
        ["/clients", "Clients"],
        ["/account", "Account"],
      ];
  if (isAdmin() && !enrolmentRequired()) {
    links.push(["/admin/users", "Users"], ["/admin/reminders", "Reminders"], ["/admin/audit", "Audit log"], ["/admin/closures", "Closures"]);
  }
  const path = location.pathname;
  const current = (/** @type {string} */ href) =>
    href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
  const signOut = h("button", { type: "button", class: "secondary", id: "sign-out" }, "Sign out");
  signOut.addEventListener("click", async () => {
    await logout();
    history.pushState(null, "", "/");
    renderHeader();
    showSignIn({});
  });
  replace(
    header,
    h(
      "div",
      { class: "bar" },
      brand,
      h("p", { class: "whoami", id: "whoami" }, "Signed in as ", h("strong", null, String(u.name))),
      signOut,
    ),
    h(
      "nav",
      { "aria-label": "Main" },
      h(
        "ul",
        null,
        links.map(([href, text]) =>
          h("li", null, h("a", { href, "aria-current": current(href) ? "page" : null }, text)),
        ),
      ),
    ),
  );
}
