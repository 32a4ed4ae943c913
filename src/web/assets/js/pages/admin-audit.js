// The audit log (admin), filtered by entity and actor.

import { h, replace } from "../dom.js";
import { get } from "../api.js";
import { fmtInstant } from "../format.js";
import { field, form } from "../forms.js";

export async function auditPage() {
  const list = h("ul", { id: "audit", class: "cards" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more");
  const empty = h("p", { class: "empty", role: "status" });
  /** @type {string | null} */
  let cursor = null;
  let query = "";
  /** @param {boolean} append */
  const load = async (append) => {
    const data = await get(`/audit?limit=100${query}${append && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const rows = (data.items || []).map(row);
    if (append) list.append(...rows);
    else replace(list, rows);
    cursor = data.next_cursor || null;
    more.hidden = !cursor;
    empty.textContent = list.children.length ? "" : "No entries.";
  };
  more.addEventListener("click", () => load(true));
  const id = "audit-filter";
  const filter = form(
    id,
    [field(id, "entity_type", "Entity type"), field(id, "entity_id", "Entity id"), field(id, "actor_id", "Actor id")],
    "Filter",
    async (v) => {
      const params = new URLSearchParams();
      for (const k of ["entity_type", "entity_id", "actor_id"]) {
        const s = String(v[k] || "").trim();
        if (s) params.set(k, s);
      }
      query = params.toString() ? `&${params}` : "";
      await load(false);
    },
  );
  await load(false);
  return h("div", null, h("h1", null, "Audit log"), filter, empty, list, more);
}

/** @param {any} e */
function row(e) {
  const changes = JSON.stringify(e.changes ?? {}, null, 1);
  return h(
    "li",
    { class: "audit-entry card", "data-id": e.id },
    h("p", null, h("strong", null, e.action), " · ", fmtInstant(e.at)),
    h("p", null, `Entity: ${e.entity_type} ${e.entity_id}`),
    h("p", null, `Actor: ${e.actor_id || "the system"}`),
    h("pre", { class: "changes" }, changes),
  );
}
