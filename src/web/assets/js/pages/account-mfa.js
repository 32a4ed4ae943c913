// Two-step sign-in on the account page: adding an authenticator app (its QR code or key, a code
// to confirm it, then the recovery codes, shown this once) and removing it.

import { h, replace } from "../dom.js";
import { api, enrolmentRequired, renew, setEnrolmentRequired, setUser, user } from "../api.js";
import { cancelButton, field, form } from "../forms.js";

/**
 * The section's content; `onEnrolled` runs when the user has seen the recovery codes and goes on.
 * @param {{onConfirmed?: () => void, onEnrolled?: () => void, onRequired?: () => void}} [opts]
 *   `onConfirmed`: the app is confirmed (the recovery codes are showing); `onRequired`: after
 *   removing the app, the server asks for one again (`auth.mfa = "required"`)
 */
export function mfaSection(opts = {}) {
  const box = h("div", { id: "mfa" });
  const alert = h("p", { role: "alert", class: "form-error", id: "mfa-error" });
  const status = h("p", { role: "status", class: "form-status", id: "mfa-status-line" });
  /** @param {unknown} e */
  const fail = (e) => {
    alert.textContent = e instanceof Error ? e.message : "That did not work.";
  };
  const clear = () => {
    alert.textContent = "";
    status.textContent = "";
  };

  const off = () => {
    const start = h("button", { type: "button", id: "mfa-start" }, "Set up authenticator app");
    start.addEventListener("click", async () => {
      clear();
      start.disabled = true;
      try {
        setup(await api("POST", "/me/mfa/totp"));
      } catch (e) {
        start.disabled = false;
        fail(e);
      }
    });
    replace(
      box,
      h("p", { id: "mfa-state" }, "Two-step sign-in is off."),
      h(
        "p",
        null,
        "With two-step sign-in, signing in takes your password and a six-digit code from an authenticator app on your phone " +
          "(any app for time-based codes, such as FreeOTP, Aegis, Google Authenticator or Microsoft Authenticator).",
      ),
      h("div", { class: "actions" }, start),
    );
  };

  /** @param {{secret: string, qr_svg: string}} enrolment */
  const setup = (enrolment) => {
    const id = "mfa-confirm-form";
    const confirm = form(
      id,
      [
        field(id, "code", "Code from the app", {
          required: true,
          autocomplete: "one-time-code",
          hint: "Six digits; the app shows a new one every 30 seconds.",
          attrs: { inputmode: "numeric", maxlength: 12, spellcheck: false },
        }),
      ],
      "Confirm",
      async (v) => {
        const { recovery_codes } = await api("POST", "/me/mfa/totp/confirm", { code: String(v.code).replace(/\s+/g, "") });
        // The server checks the account on every call: the same token now opens everything.
        setEnrolmentRequired(false);
        setUser({ ...user(), mfa_enrolled: true });
        codes(/** @type {string[]} */ (recovery_codes));
        if (opts.onConfirmed) opts.onConfirmed();
      },
      { extraButtons: opts.onEnrolled ? [] : [cancelButton(() => (clear(), off()))] },
    );
    const heading = h("h3", { tabindex: -1 }, "Add your authenticator app");
    replace(
      box,
      heading,
      h(
        "ol",
        { class: "steps" },
        h(
          "li",
          null,
          h("p", null, "In your authenticator app, add an account and scan this QR code:"),
          h("img", {
            src: svgDataUrl(enrolment.qr_svg),
            alt: "QR code that adds asylum-tracker to an authenticator app",
            class: "qr",
            width: 200,
            height: 200,
            id: "mfa-qr",
          }),
        ),
        h(
          "li",
          null,
          h("p", null, "If you cannot scan it, type this key into the app instead (a time-based key):"),
          h("p", { class: "secret", id: "mfa-secret" }, grouped(enrolment.secret)),
        ),
        h("li", null, h("p", null, "Type the code the app now shows for asylum-tracker:"), confirm),
      ),
    );
    heading.focus();
  };

  /** @param {string[]} list */
  const codes = (list) => {
    const text = `asylum-tracker recovery codes for ${user()?.email || "your account"}\n` +
      "Each code works once, in place of a code from the authenticator app.\n\n" +
      `${list.join("\n")}\n`;
    const copy = h("button", { type: "button", class: "secondary", id: "recovery-copy" }, "Copy codes");
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = "The codes have been copied.";
      } catch {
        status.textContent = "Select the codes and copy them.";
      }
    });
    const download = h(
      "a",
      {
        class: "button secondary",
        id: "recovery-download",
        href: URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" })),
        download: "asylum-tracker-recovery-codes.txt",
      },
      "Download as text",
    );
    const done = h("button", { type: "button", id: "recovery-done" }, "I have saved them, continue");
    done.addEventListener("click", () => {
      URL.revokeObjectURL(download.href);
      clear();
      if (opts.onEnrolled) opts.onEnrolled();
      else {
        on();
        status.textContent = "Two-step sign-in is on.";
      }
    });
    const heading = h("h3", { tabindex: -1 }, "Your recovery codes");
    replace(
      box,
      h("p", { class: "notice ok" }, "Your authenticator app is set up: from now on, signing in asks for its code."),
      heading,
      h("p", { class: "notice", id: "recovery-warning" }, h("strong", null, "Save these codes now: they will not be shown again.")),
      h(
        "p",
        null,
        "Each code works once, in place of a code from the app, if you lose your phone. Keep them apart from your phone: printed, or in a password manager.",
      ),
      h("ol", { id: "recovery-codes", class: "codes" }, list.map((c) => h("li", null, h("code", null, c)))),
      h("div", { class: "actions" }, copy, download),
      h("div", { class: "actions" }, done),
    );
    heading.focus();
  };

  const on = () => {
    const id = "mfa-remove-form";
    const remove = form(
      id,
      [
        field(id, "password", "Your password", { type: "password", required: true, autocomplete: "current-password" }),
        field(id, "code", "Current code from the app", {
          required: true,
          autocomplete: "one-time-code",
          attrs: { inputmode: "numeric", maxlength: 12, spellcheck: false },
        }),
      ],
      "Remove authenticator app",
      async (v) => {
        await api("DELETE", "/me/mfa/totp", { password: v.password, code: String(v.code).replace(/\s+/g, "") });
        setUser({ ...user(), mfa_enrolled: false });
        // A fresh token answer says whether the organisation requires a second factor.
        if ((await renew()) && opts.onRequired && enrolmentRequired()) {
          opts.onRequired();
          return;
        }
        off();
        status.textContent = "Two-step sign-in is off.";
      },
    );
    replace(
      box,
      h("p", { id: "mfa-state" }, "Two-step sign-in is on: signing in asks for a code from your authenticator app."),
      h("h3", null, "Remove the authenticator app"),
      h("p", null, "For a new phone, remove the app here and set up the new one. Your recovery codes stop working."),
      remove,
    );
  };

  if (user()?.mfa_enrolled) on();
  else off();
  return h("div", null, alert, box, status);
}

/** The key in groups of four, for typing by hand. @param {string} secret */
function grouped(secret) {
  return secret.replace(/\s+/g, "").replace(/(.{4})(?=.)/g, "$1 ");
}

/**
 * The server's QR code (SVG) as an image: an `<img>` never runs script inside the SVG, and the
 * page's CSP allows `data:` images only.
 * @param {string} svg
 */
function svgDataUrl(svg) {
  const bytes = new TextEncoder().encode(svg);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}
