// Account: two-step sign-in, change one's password, the signed-in sessions (ending another
// one); create, copy and revoke the calendar feed link. Where a second factor is required and
// the account has none, only its enrolment.

import { h, replace } from "../dom.js";
import { api, enrolmentRequired, get, setEnrolmentRequired, setUser } from "../api.js";
import { ROLES, words } from "../format.js";
import { field, form } from "../forms.js";
import { continueAfterEnrolment, render } from "../router.js";
import { mfaSection } from "./account-mfa.js";
import { sessionsSection } from "./account-sessions.js";

export async function accountPage() {
  // Fresh: enrolment may have changed in another tab or by an admin's reset.
  const u = await get("/me");
  setUser(u);
  if (u.mfa_enrolled) setEnrolmentRequired(false);
  if (enrolmentRequired()) return enrolmentPage();
  const sessions = sessionsSection();
  const id = "password-form";
  const passwordForm = form(
    id,
    [
      field(id, "current_password", "Current password", { type: "password", autocomplete: "current-password", required: true }),
      field(id, "new_password", "New password", {
        type: "password",
        autocomplete: "new-password",
        required: true,
        hint: "At least 12 characters, not easy to guess.",
      }),
    ],
    "Change password",
    async (v, f) => {
      await api("POST", "/me/password", { current_password: v.current_password, new_password: v.new_password });
      f.reset();
      sessions.reload();
      return "Your password has been changed. Your other sessions have been signed out.";
    },
  );
  return h(
    "div",
    null,
    h("h1", null, "Account"),
    h(
      "dl",
      { class: "facts", id: "account-facts" },
      h("div", null, h("dt", null, "Name"), h("dd", null, u.name)),
      h("div", null, h("dt", null, "E-mail"), h("dd", null, u.email)),
      h("div", null, h("dt", null, "Role"), h("dd", null, words(ROLES, u.role))),
      h("div", null, h("dt", null, "Time zone"), h("dd", null, u.time_zone)),
    ),
    h("h2", null, "Two-step sign-in"),
    mfaSection({ onRequired: () => render() }),
    h("h2", null, "Change your password"),
    passwordForm,
    h("h2", { id: "sessions-heading" }, "Signed-in sessions"),
    sessions.section,
    h("h2", null, "Calendar feed"),
    feedSection(),
  );
}

/** The only page of an account that must add a second factor first. */
function enrolmentPage() {
  const why = h(
    "p",
    { class: "notice", id: "mfa-required" },
    "Your organisation requires two-step sign-in: signing in takes your password and a code from an authenticator app on your phone. " +
      "Set up the app now; until then, nothing else opens.",
  );
  return h(
    "div",
    null,
    h("h1", null, "Set up two-step sign-in"),
    why,
    mfaSection({ onConfirmed: () => why.remove(), onEnrolled: continueAfterEnrolment }),
  );
}

function feedSection() {
  const box = h("div", { id: "feed" });
  const status = h("p", { role: "status", id: "feed-status" });
  const alert = h("p", { role: "alert", class: "form-error", id: "feed-error" });
  /** @param {unknown} e */
  const fail = (e) => {
    alert.textContent = e instanceof Error ? e.message : "That did not work.";
  };
  const create = h("button", { type: "button", id: "feed-create" }, "Create feed link");
  create.addEventListener("click", async () => {
    alert.textContent = "";
    status.textContent = "";
    try {
      const { url } = await api("POST", "/me/calendar-token");
      showLink(String(url));
    } catch (e) {
      fail(e);
    }
  });
  /** @param {string} url */
  const showLink = (url) => {
    const input = h("input", { id: "feed-url", type: "text", readonly: true, value: url, class: "wide" });
    const copy = h("button", { type: "button", class: "secondary" }, "Copy link");
    copy.addEventListener("click", async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(url);
        status.textContent = "The link has been copied.";
      } catch {
        status.textContent = "Select the link and copy it.";
      }
    });
    const revoke = h("button", { type: "button", class: "secondary" }, "Revoke link");
    revoke.addEventListener("click", async () => {
      alert.textContent = "";
      try {
        await api("DELETE", "/me/calendar-token");
        replace(box, create);
        status.textContent = "The feed link has been revoked.";
        create.focus();
      } catch (e) {
        fail(e);
      }
    });
    replace(
      box,
      h("div", { class: "field" }, h("label", { for: "feed-url" }, "Feed link"), input),
      h("div", { class: "actions" }, copy, revoke, h("span", { class: "hint" }, "Creating a new link revokes the old one.")),
    );
    const again = h("button", { type: "button", class: "secondary" }, "Create a new link");
    again.addEventListener("click", () => create.click());
    box.append(h("p", null, again));
    input.focus();
  };
  replace(box, create);
  return h(
    "div",
    null,
    h("p", null, "A private link your calendar program can subscribe to: your hearings and open deadlines, with case references and no client names."),
    alert,
    box,
    status,
  );
}
