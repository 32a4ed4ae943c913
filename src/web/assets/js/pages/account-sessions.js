// Signed-in sessions on the account page: one entry per sign-in (its time, its last use, the
// browser), this one marked, and ending any other one (a phone left signed in, a shared computer).
// This session has no "End session": "Sign out" in the header ends it.

import { h, replace } from "../dom.js";
import { ApiError, api, get, seg } from "../api.js";
import { fmtInstant } from "../format.js";

/**
 * The section's content, which loads the list itself (with its loading line and its errors), and
 * `reload` to show the list afresh (after a password change ended the other sessions).
 * @returns {{section: HTMLElement, reload: () => void}}
 */
export function sessionsSection() {
  const list = h("ul", { id: "sessions", class: "cards", tabindex: -1, "aria-labelledby": "sessions-heading" });
  const loading = h("p", { class: "empty", role: "status", id: "sessions-loading" }, "Loading your sessions…");
  const alert = h("p", { role: "alert", class: "form-error", id: "sessions-error" });
  const status = h("p", { role: "status", class: "form-status", id: "sessions-status" });
  /** @param {unknown} e */
  const fail = (e) => {
    alert.textContent = e instanceof Error ? e.message : "That did not work.";
  };

  const draw = async () => {
    const data = await get("/me/sessions");
    /** @type {any[]} */
    const items = data.items || [];
    replace(list, items.map((s) => entry(s)));
    loading.textContent = items.length ? "" : "No sessions are signed in.";
  };

  /** @param {any} s */
  const entry = (s) => {
    const titleId = `session-${s.id}`;
    const li = h(
      "li",
      { class: "session card", "data-id": s.id, "data-current": s.current ? "true" : "false" },
      h(
        "p",
        { id: titleId },
        h("strong", null, browserName(s.user_agent)),
        s.current ? [" ", h("span", { class: "badge current" }, "This session")] : null,
      ),
      h("p", null, `Signed in ${fmtInstant(s.signed_in_at)}`),
      h("p", null, `Last used ${fmtInstant(s.last_used_at)}`),
    );
    if (s.current) {
      li.append(h("p", { class: "hint" }, "To end this session, use Sign out at the top of the page."));
      return li;
    }
    const end = h("button", { type: "button", class: "secondary", "aria-describedby": titleId }, "End session");
    end.addEventListener("click", async () => {
      alert.textContent = "";
      status.textContent = "";
      end.disabled = true;
      try {
        let message = "The session has been ended: it has to sign in again.";
        try {
          await api("DELETE", `/me/sessions/${seg(s.id)}`);
        } catch (e) {
          // Ended meanwhile (signed out there, or expired): the list below shows it gone.
          if (!(e instanceof ApiError && e.status === 404)) throw e;
          message = "That session had already ended.";
        }
        await draw();
        status.textContent = message;
        list.focus();
      } catch (e) {
        end.disabled = false;
        fail(e);
      }
    });
    li.append(h("div", { class: "actions" }, end));
    return li;
  };

  const reload = () => {
    alert.textContent = "";
    draw().catch((e) => {
      loading.textContent = "";
      fail(e);
    });
  };
  reload();
  const section = h(
    "div",
    null,
    h("p", null, "Where your account is signed in. End a session you do not recognise or no longer use, such as on a shared computer."),
    alert,
    loading,
    list,
    status,
  );
  return { section, reload };
}

/**
 * A browser's User-Agent header in a few words: `Firefox 128 on Windows`; the header as it is
 * (cut short) when it names no browser this knows.
 * @param {string | null | undefined} ua
 */
export function browserName(ua) {
  if (!ua) return "Unknown browser";
  /** @type {[RegExp, string][]} */
  const browsers = [
    [/\bEdg(?:e|A|iOS)?\/(\d+)/, "Edge"],
    [/\bOPR\/(\d+)/, "Opera"],
    [/\bSamsungBrowser\/(\d+)/, "Samsung Internet"],
    [/\bFirefox\/(\d+)/, "Firefox"],
    [/\bFxiOS\/(\d+)/, "Firefox"],
    [/\bCriOS\/(\d+)/, "Chrome"],
    [/\bHeadlessChrome\/(\d+)/, "Headless Chrome"],
    [/\bChromium\/(\d+)/, "Chromium"],
    [/\bChrome\/(\d+)/, "Chrome"],
    [/\bVersion\/(\d+)(?:\.\d+)*.*\bSafari\//, "Safari"],
  ];
  /** @type {[RegExp, string][]} */
  const systems = [
    [/\b(?:iPhone|iPad|iPod)\b/, "iOS"],
    [/\bAndroid\b/, "Android"],
    [/\bCrOS\b/, "ChromeOS"],
    [/\bWindows\b/, "Windows"],
    [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
    [/\bLinux\b/, "Linux"],
  ];
  const system = systems.find(([re]) => re.test(ua));
  const on = system ? ` on ${system[1]}` : "";
  for (const [re, name] of browsers) {
    const m = re.exec(ua);
    if (m) return `${name} ${m[1]}${on}`;
  }
  const short = ua.length > 60 ? `${ua.slice(0, 59)}…` : ua;
  return system ? `${short} (${system[1]})` : short;
}
