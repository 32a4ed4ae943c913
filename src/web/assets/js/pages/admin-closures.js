// Closures by executive order (admin): days shown as possible deadline extensions.

import { h, replace } from "../dom.js";
import { api, get, seg } from "../api.js";
import { fmtDate } from "../format.js";
import { field, form } from "../forms.js";

export async function closuresPage() {
  const list = h("ul", { id: "closures", class: "cards" });
  const alert = h("p", { role: "alert", class: "form-error", id: "closures-error" });
  const draw = async () => {
    const items = (await get("/closures")).items || [];
    items.sort((/** @type {any} */ a, /** @type {any} */ b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    replace(list, items.map(row));
  };
  /** @param {any} c */
  const row = (c) => {
    const b = h("button", { type: "button", class: "secondary", "aria-label": `Remove ${fmtDate(c.day)}` }, "Remove");
    b.addEventListener("click", async () => {
      alert.textContent = "";
      try {
        await api("DELETE", `/closures/${seg(c.id)}`);
        await draw();
      } catch (e) {
        alert.textContent = e instanceof Error ? e.message : "The change failed.";
      }
    });
    return h("li", { class: "closure card", "data-id": c.id, "data-day": c.day }, h("p", null, h("strong", null, fmtDate(c.day)), " · ", c.reason), h("div", { class: "actions" }, b));
  };
  await draw();
  const id = "closure-form";
  return h(
    "div",
    null,
    h("h1", null, "Closures"),
    h("p", null, "Days federal offices closed by executive order. They never move a due date; deadlines show the later date they would give as an alternative."),
    alert,
    list,
    h("h2", null, "Add a closure"),
    form(
      id,
      [field(id, "day", "Date", { type: "date", required: true }), field(id, "reason", "Reason", { required: true })],
      "Add closure",
      async (v, f) => {
        await api("POST", "/closures", { day: v.day, reason: String(v.reason).trim() });
        f.reset();
        await draw();
        return "The closure has been added.";
      },
    ),
  );
}
