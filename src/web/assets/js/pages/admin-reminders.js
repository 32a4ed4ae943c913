// Reminders (admin): the outbox by status; failed ones can be retried.

import { h, replace } from "../dom.js";
import { api, getAll, seg } from "../api.js";
import { fmtInstant } from "../format.js";
import { select } from "../forms.js";

/** @type {Record<string, string>} */
const KINDS = { deadline: "Deadline reminder", hearing: "Hearing reminder", missed: "Missed deadline", failure_notice: "Delivery failure notice" };

export async function remindersPage() {
  const list = h("ul", { id: "reminders", class: "cards" });
  const empty = h("p", { class: "empty", role: "status" });
  const filter = h(
    "form",
    { id: "reminder-filter" },
    select("reminder-filter", "status", "Status", [["failed", "Failed"], ["pending", "Pending"], ["sent", "Sent"]], "failed"),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show")),
  );
  const statusSelect = /** @type {HTMLSelectElement} */ (filter.querySelector("select"));
  const draw = async () => {
    const items = await getAll(`/reminders?status=${encodeURIComponent(statusSelect.value)}`);
    replace(list, items.map(row));
    empty.textContent = items.length ? "" : "No reminders with this status.";
  };
  filter.addEventListener("submit", (ev) => {
    ev.preventDefault();
    draw().catch((e) => (empty.textContent = e instanceof Error ? e.message : "Loading failed."));
  });
  statusSelect.addEventListener("change", () => filter.requestSubmit());
  await draw();
  return h("div", null, h("h1", null, "Reminders"), filter, empty, list);
}

/** @param {any} r */
function row(r) {
  const result = h("p", { class: "retry-result", role: "status" });
  const li = h(
    "li",
    { class: "reminder card", "data-id": r.id, "data-status": r.status },
    h("p", null, h("strong", null, KINDS[r.kind] || r.kind), r.lead_days ? ` · ${r.lead_days} days before` : ""),
    h("p", null, `Due ${fmtInstant(r.due_at)}`, r.sent_at ? ` · Sent ${fmtInstant(r.sent_at)}` : ""),
    h("p", null, `Attempts: ${r.attempts}`),
    r.last_error ? h("p", { class: "last-error" }, `Last error: ${r.last_error}`) : null,
  );
  if (r.status === "failed") {
    const b = h("button", { type: "button", class: "secondary" }, "Retry");
    b.addEventListener("click", async () => {
      b.disabled = true;
      try {
        await api("POST", `/reminders/${seg(r.id)}/retry`);
        result.textContent = "Queued for retry";
        b.remove();
      } catch (e) {
        b.disabled = false;
        result.textContent = e instanceof Error ? e.message : "The retry failed.";
      }
    });
    li.append(h("div", { class: "actions" }, b));
  }
  li.append(result);
  return li;
}
