// Users (admin): roles, deactivation, resetting a lost second factor, and new accounts.

import { h, replace } from "../dom.js";
import { api, getAll, seg, user } from "../api.js";
import { ROLES } from "../format.js";
import { field, form, optionsOf, select } from "../forms.js";

export async function usersPage() {
  const list = h("ul", { id: "users", class: "cards" });
  const alert = h("p", { role: "alert", class: "form-error", id: "users-error" });
  const draw = async () => {
    const users = await getAll("/users");
    replace(list, users.map((u) => row(u)));
  };
  /** @param {any} u */
  const row = (u) => {
    const status = h("span", { class: "user-status" }, u.active ? "Active" : "Inactive");
    const roleId = `role-${u.id}`;
    const role = h("select", { id: roleId, name: "role" }, optionsOf(ROLES).map(([v, t]) => h("option", { value: v }, t)));
    role.value = u.role;
    const self = user()?.id === u.id;
    role.addEventListener("change", async () => {
      alert.textContent = "";
      try {
        await api("PATCH", `/users/${seg(u.id)}`, { role: role.value });
        u.role = role.value;
        note.textContent = "Role saved.";
      } catch (e) {
        role.value = u.role;
        alert.textContent = e instanceof Error ? e.message : "The change failed.";
      }
    });
    const toggle = h("button", { type: "button", class: "secondary", "aria-label": `${u.active ? "Deactivate" : "Reactivate"} ${u.email}` }, u.active ? "Deactivate" : "Reactivate");
    if (self) toggle.disabled = true;
    toggle.addEventListener("click", async () => {
      alert.textContent = "";
      try {
        const saved = await api("PATCH", `/users/${seg(u.id)}`, { active: !u.active });
        li.replaceWith(row(saved));
      } catch (e) {
        alert.textContent = e instanceof Error ? e.message : "The change failed.";
      }
    });
    const note = h("span", { class: "hint", role: "status" });
    const mfa = h("div", { class: "actions mfa-reset" });
    const offerReset = () => {
      const reset = h(
        "button",
        { type: "button", class: "secondary", "aria-label": `Reset two-step sign-in of ${u.email}` },
        "Reset two-step sign-in",
      );
      reset.addEventListener("click", () => {
        alert.textContent = "";
        askReset();
      });
      replace(mfa, reset);
      return reset;
    };
    const askReset = () => {
      const yes = h("button", { type: "button", class: "danger" }, "Yes, reset");
      const no = h("button", { type: "button", class: "secondary" }, "Cancel");
      const question = h(
        "p",
        { class: "notice", id: `mfa-reset-question-${u.id}` },
        `Reset two-step sign-in of ${u.email}? Their authenticator app and recovery codes stop working and their sessions end; ` +
          "they sign in with their password and set up the app again. They are told by e-mail.",
      );
      yes.setAttribute("aria-describedby", question.id);
      no.addEventListener("click", () => offerReset().focus());
      yes.addEventListener("click", async () => {
        yes.disabled = true;
        try {
          await api("DELETE", `/users/${seg(u.id)}/mfa`);
          const fresh = row({ ...u, mfa_enrolled: false });
          li.replaceWith(fresh);
          const done = /** @type {HTMLElement} */ (fresh.querySelector("[role=status]"));
          done.textContent = "Two-step sign-in has been reset; the user has been told by e-mail.";
          done.setAttribute("tabindex", "-1");
          done.focus();
        } catch (e) {
          yes.disabled = false;
          alert.textContent = e instanceof Error ? e.message : "The reset failed.";
        }
      });
      replace(mfa, question, yes, no);
      no.focus();
    };
    if (u.mfa_enrolled && !self) offerReset();
    const li = h(
      "li",
      { class: "user card", "data-email": u.email, "data-id": u.id },
      h("p", null, h("strong", null, u.name), " · ", h("span", { class: "email" }, u.email)),
      h("div", { class: "field inline" }, h("label", { for: roleId }, `Role for ${u.email}`), role),
      h("p", null, "Status: ", status, self ? " (you)" : ""),
      h(
        "p",
        null,
        "Two-step sign-in: ",
        h("span", { class: "mfa-status" }, u.mfa_enrolled ? "On" : "Off"),
        u.mfa_enrolled && self ? " (change it on your Account page)" : "",
      ),
      h("div", { class: "actions" }, toggle, note),
      mfa,
    );
    return li;
  };
  await draw();
  const id = "user-form";
  return h(
    "div",
    null,
    h("h1", null, "Users"),
    alert,
    list,
    h("h2", null, "New user"),
    form(
      id,
      [
        field(id, "email", "E-mail", { type: "email", required: true, autocomplete: "off" }),
        field(id, "name", "Name", { required: true, autocomplete: "off" }),
        select(id, "role", "Role", optionsOf(ROLES), "caseworker"),
        field(id, "password", "Password", { type: "password", required: true, autocomplete: "new-password", hint: "12 to 128 characters, not easy to guess." }),
      ],
      "Create user",
      async (v, f) => {
        await api("POST", "/users", { email: String(v.email).trim(), name: String(v.name).trim(), role: v.role, password: v.password });
        f.reset();
        await draw();
        return "The user has been created.";
      },
    ),
  );
}
