// Signing in, asking for a reset link, and choosing a new password from that link.

import { h, replace } from "../dom.js";
import { ApiError, api, login, secondFactor } from "../api.js";
import { FieldErrors, field, form } from "../forms.js";
import { focusHeading, render, showSignIn } from "../router.js";

/** The reset token, taken out of the address bar as soon as the page loads. */
let resetToken = "";

/** Call once on load: keeps `?token=` of /reset-password in memory and removes it from the URL. */
export function captureResetToken() {
  if (location.pathname !== "/reset-password") return;
  const params = new URLSearchParams(location.search);
  resetToken = params.get("token") || "";
  if (params.has("token")) history.replaceState(null, "", "/reset-password");
}

/**
 * @param {{ended?: boolean, resetDone?: boolean}} opts
 * @returns {HTMLElement}
 */
export function signInPage(opts) {
  const root = h("div", { class: "narrow" });
  const f = form(
    "signin-form",
    [
      field("signin-form", "email", "E-mail", { type: "email", autocomplete: "username", required: true }),
      field("signin-form", "password", "Password", { type: "password", autocomplete: "current-password", required: true }),
    ],
    "Sign in",
    async (v) => {
      const step = await login(String(v.email).trim(), String(v.password));
      if (step.challenge) {
        replace(root, secondStep(step.challenge));
        focusHeading();
        return;
      }
      await render();
    },
    {
      errorText: (e) => (e.status === 401 ? "Wrong e-mail or password." : null),
    },
  );
  const forgot = h("button", { type: "button", class: "link" }, "Forgot password?");
  forgot.addEventListener("click", () => {
    replace(root, forgotPage());
    focusHeading();
  });
  replace(
    root,
    h("h1", null, "Sign in"),
    opts.ended ? h("p", { role: "alert", id: "session-ended", class: "notice" }, "Your session has ended. Please sign in again.") : null,
    opts.resetDone
      ? h("p", { role: "status", id: "reset-done", class: "notice ok" }, "Your password has been changed. Sign in with the new password.")
      : null,
    f,
    h("p", null, forgot),
  );
  return root;
}

/**
 * The second step of signing in: a code from the authenticator app, or a recovery code.
 * @param {string} challenge
 */
function secondStep(challenge) {
  const back = h("button", { type: "button", class: "link" }, "Start again");
  back.addEventListener("click", () => showSignIn({}));
  return h(
    "div",
    null,
    h("h1", null, "Enter your code"),
    h("p", null, "Open your authenticator app and type the six-digit code it shows for asylum-tracker. Without your phone, type one of your recovery codes."),
    form(
      "mfa-form",
      [field("mfa-form", "code", "Code", { autocomplete: "one-time-code", required: true })],
      "Continue",
      async (v) => {
        await secondFactor(challenge, String(v.code));
        await render();
      },
      {
        errorText: (e) =>
          e.status === 401
            ? "That code did not work. Codes change every 30 seconds and each works once; after five tries, start again."
            : null,
      },
    ),
    h("p", null, back),
  );
}

function forgotPage() {
  const back = h("button", { type: "button", class: "link" }, "Back to sign in");
  back.addEventListener("click", () => showSignIn({}));
  return h(
    "div",
    null,
    h("h1", null, "Reset your password"),
    h("p", null, "Enter the e-mail address you sign in with. We will send it a link to choose a new password."),
    form(
      "forgot-form",
      [field("forgot-form", "email", "E-mail", { type: "email", autocomplete: "username", required: true })],
      "Send reset link",
      async (v) => {
        await api("POST", "/auth/password-reset", { email: String(v.email).trim() });
        return "If an account uses that address, we have sent it a link.";
      },
    ),
    h("p", null, back),
  );
}

/** `/reset-password?token=…` */
export function resetPage() {
  const formId = "reset-form";
  const f = form(
    formId,
    [
      field(formId, "new_password", "New password", {
        type: "password",
        autocomplete: "new-password",
        required: true,
        hint: "At least 12 characters, not easy to guess.",
      }),
      field(formId, "confirm_password", "Repeat the new password", { type: "password", autocomplete: "new-password", required: true }),
    ],
    "Set password",
    async (v) => {
      if (v.new_password !== v.confirm_password) {
        throw new FieldErrors([{ field: "confirm_password", message: "The two passwords differ." }]);
      }
      if (!resetToken) {
        throw new ApiError(422, { detail: "This link has no reset token. Ask for a new link from the sign-in page." });
      }
      await api("POST", "/auth/password-reset/confirm", { token: resetToken, new_password: v.new_password });
      resetToken = "";
      history.replaceState(null, "", "/");
      showSignIn({ resetDone: true });
    },
    {
      errorText: (e) =>
        e.problem.errors?.some((x) => x.field === "token")
          ? "This link has expired or was already used. Ask for a new one from the sign-in page."
          : null,
    },
  );
  return h("div", { class: "narrow" }, h("h1", null, "Choose a new password"), f);
}

