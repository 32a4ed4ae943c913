// The case page's notes and tasks. Notes: newest first with author and time; the author may
// correct their own note while its edit window is open, after that it is append-only. Tasks:
// by due date, for someone on the case team; marked done (which stops their reminders).

import { h, replace } from "../dom.js";
import { api, seg, user } from "../api.js";
import { fmtDate, fmtInstant, today } from "../format.js";
import { cancelButton, form, select, text, textarea, field } from "../forms.js";

/** @param {any[]} notes @param {() => Promise<void>} reload */
export function noteList(notes, reload) {
  if (!notes.length) return [h("ul", { id: "notes", class: "cards" }), h("p", { class: "empty" }, "No notes yet.")];
  return [h("ul", { id: "notes", class: "cards" }, notes.map((n) => noteItem(n, reload)))];
}

/** @param {any} n @param {() => Promise<void>} reload */
function noteItem(n, reload) {
  const slot = h("div", { class: "note-slot" });
  const li = h(
    "li",
    { class: "note card", "data-id": n.id },
    h(
      "p",
      { class: "note-meta" },
      h("strong", null, n.author_name),
      ` · ${fmtInstant(n.created_at)}`,
      n.edited_at ? ` · corrected ${fmtInstant(n.edited_at)}` : "",
    ),
    h("p", { class: "note-body" }, n.body),
  );
  // The window is the server's rule (editable_until); a late click gets its 409 in the form.
  const mine = user()?.id === n.author_id;
  if (!mine || Date.parse(n.editable_until) <= Date.now()) return li;
  const edit = h("button", { type: "button", class: "secondary", "aria-label": "Correct this note" }, "Correct");
  edit.addEventListener("click", () => {
    const id = `note-edit-${n.id}`;
    const f = form(
      id,
      [textarea(id, "body", "Note", { required: true, value: n.body })],
      "Save correction",
      async (v) => {
        await api("PATCH", `/notes/${seg(n.id)}`, { body: text(v.body, null) ?? "" });
        await reload();
      },
      {
        extraButtons: [
          cancelButton(() => {
            replace(slot);
            edit.focus();
          }),
        ],
        className: "note-edit-form",
      },
    );
    replace(slot, f);
    const area = f.querySelector("textarea");
    if (area) area.focus();
  });
  li.append(h("div", { class: "actions" }, edit), slot);
  return li;
}

/** The form to add a note; built once per page so a redraw keeps what is being typed.
 * @param {string} caseId @param {() => Promise<void>} reload */
export function addNote(caseId, reload) {
  const id = "note-form";
  return form(id, [textarea(id, "body", "New note", { required: true })], "Add note", async (v, f) => {
    await api("POST", `/cases/${seg(caseId)}/notes`, { body: text(v.body, null) ?? "" });
    f.reset();
    await reload();
    return "Note added.";
  });
}

/** @param {any[]} tasks @param {any} c the case @param {() => Promise<void>} reload */
export function taskList(tasks, c, reload) {
  if (!tasks.length) return [h("ul", { id: "tasks", class: "cards" }), h("p", { class: "empty" }, "No tasks.")];
  const now = today();
  const nameOf = (/** @type {string} */ uid) =>
    (c.assignments || []).find((/** @type {any} */ a) => a.user_id === uid)?.name || (user()?.id === uid ? user()?.name : null) || "someone";
  return [
    h(
      "ul",
      { id: "tasks", class: "cards" },
      tasks.map((t) => {
        const overdue = t.status === "open" && t.due_on < now;
        const li = h(
          "li",
          { class: "task card", "data-id": t.id, "data-status": t.status, "data-overdue": overdue ? "true" : null },
          h(
            "p",
            null,
            overdue ? [h("strong", { class: "badge overdue" }, "Overdue"), " "] : null,
            h("strong", null, t.title),
            ` · due ${fmtDate(t.due_on)} · ${nameOf(t.assignee_id)}`,
            t.status === "done" ? " · done" : "",
          ),
          t.details ? h("p", { class: "task-details" }, t.details) : null,
        );
        const next = t.status === "open" ? "done" : "open";
        const b = h(
          "button",
          { type: "button", class: "secondary", "aria-label": `${next === "done" ? "Mark done" : "Reopen"}: ${t.title}` },
          next === "done" ? "Mark done" : "Reopen",
        );
        b.addEventListener("click", async () => {
          b.disabled = true;
          try {
            await api("PATCH", `/tasks/${seg(t.id)}`, { status: next });
            await reload();
          } finally {
            b.disabled = false;
          }
        });
        li.append(h("div", { class: "actions" }, b));
        return li;
      }),
    ),
  ];
}

/** The form to add a task, the assignee chosen from the case team (or oneself).
 * @param {any} c the case @param {() => Promise<void>} reload */
export function addTask(c, reload) {
  const id = "task-form";
  /** @type {[string, string][]} */
  const people = (c.assignments || []).map((/** @type {any} */ a) => [a.user_id, a.name || a.user_id]);
  const me = user();
  if (me && !people.some(([uid]) => uid === me.id)) people.unshift([me.id, `${me.name} (me)`]);
  return h(
    "details",
    { class: "subform" },
    h("summary", null, "Add a task"),
    form(
      id,
      [
        field(id, "title", "Task", { required: true, autocomplete: "off", hint: "Shown in the app only; e-mails and calendar feeds just say “Task”." }),
        select(id, "assignee_id", "For", people, me ? me.id : null),
        field(id, "due_on", "Due on", { type: "date", required: true }),
        textarea(id, "details", "Details"),
      ],
      "Add task",
      async (v, f) => {
        /** @type {Record<string, unknown>} */
        const body = { title: text(v.title, null) ?? "", assignee_id: v.assignee_id, due_on: text(v.due_on, null) ?? "" };
        const details = text(v.details, null);
        if (details) body.details = details;
        await api("POST", `/cases/${seg(c.id)}/tasks`, body);
        f.reset();
        await reload();
        return "Task added.";
      },
    ),
  );
}
