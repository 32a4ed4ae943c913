// The agenda: open deadlines (overdue first), hearings and the caller's open tasks of the next
// 30 days.

import { h, nativeName } from "../dom.js";
import { detainedBadge } from "./case-custody.js";
import { getAll, seg } from "../api.js";
import { HEARING_KINDS, daysFromToday, deadlineWords, fmtDate, fmtHearingTime, today, words } from "../format.js";

export async function agendaPage() {
  const now = today();
  // A deadline whose day has passed unmet has status `missed` (the server derives it from the
  // date), so the overdue rows are the missed ones; both lists are asked for.
  const [open, missed, hearings, tasks] = await Promise.all([
    getAll(`/deadlines?status=open&from=${daysFromToday(-365)}&to=${daysFromToday(30)}`),
    getAll(`/deadlines?status=missed&from=${daysFromToday(-365)}&to=${now}`),
    getAll(`/hearings?from=${now}&to=${daysFromToday(30)}`),
    // The caller's own open tasks, overdue ones included (due_before is exclusive).
    getAll(`/tasks?status=open&due_before=${daysFromToday(31)}`),
  ]);
  const deadlines = [...missed, ...open];
  /** @type {{key: string, overdue: boolean, node: HTMLElement}[]} */
  const rows = [];
  for (const d of deadlines) {
    const overdue = d.status === "missed" || (d.status === "open" && d.due_on < now);
    rows.push({ key: `${d.due_on}T00:00`, overdue, node: deadlineRow(d, overdue) });
  }
  for (const t of tasks) {
    const overdue = t.due_on < now;
    rows.push({ key: `${t.due_on}T00:00`, overdue, node: taskRow(t, overdue) });
  }
  for (const x of hearings) {
    rows.push({ key: String(x.starts_at_local || x.starts_at), overdue: false, node: hearingRow(x) });
  }
  rows.sort((a, b) => Number(b.overdue) - Number(a.overdue) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return h(
    "div",
    null,
    h("h1", null, "Agenda"),
    h("p", { class: "lede" }, "Open deadlines, hearings and your tasks of the next 30 days, overdue ones first."),
    rows.length
      ? h("ul", { id: "agenda", class: "cards" }, rows.map((r) => r.node))
      : [h("ul", { id: "agenda", class: "cards" }), h("p", { class: "empty" }, "Nothing in the next 30 days.")],
  );
}

/** @param {any} row */
function who(row) {
  return [
    h(
      "p",
      { class: "agenda-case" },
      h("a", { href: `/cases/${seg(row.case_id)}` }, row.case_reference || "Open the case"),
      detainedBadge(row),
      row.client_name ? h("span", { class: "client-name" }, " · ", row.client_name) : null,
      row.client_native_name ? [" ", nativeName(row.client_native_name)] : null,
    ),
  ];
}

/** @param {any} d @param {boolean} overdue */
function deadlineRow(d, overdue) {
  return h(
    "li",
    { class: "agenda-item card", "data-kind": "deadline", "data-id": d.id, "data-overdue": overdue ? "true" : null },
    h(
      "p",
      { class: "agenda-when" },
      overdue ? h("strong", { class: "badge overdue" }, "Overdue") : null,
      overdue ? " " : null,
      h("span", { class: "date" }, fmtDate(d.due_on)),
    ),
    h("p", { class: "agenda-what" }, deadlineWords(d)),
    who(d),
    d.alternative_due_on
      ? h("p", { class: "alt" }, `Possibly later: ${fmtDate(d.alternative_due_on)}`, d.alternative_reason ? ` (${d.alternative_reason})` : "")
      : null,
    h(
      "details",
      null,
      h("summary", null, "Rule and explanation"),
      h("p", { class: "rule" }, d.rule),
      h("p", { class: "explanation" }, d.explanation),
    ),
  );
}

/** @param {any} x */
function hearingRow(x) {
  return h(
    "li",
    { class: "agenda-item card", "data-kind": "hearing", "data-id": x.id },
    h("p", { class: "agenda-when" }, h("span", { class: "date" }, fmtHearingTime(x))),
    h("p", { class: "agenda-what" }, words(HEARING_KINDS, x.kind), x.location ? ` · ${x.location}` : ""),
    who(x),
  );
}

/** @param {any} t @param {boolean} overdue */
function taskRow(t, overdue) {
  return h(
    "li",
    { class: "agenda-item card", "data-kind": "task", "data-id": t.id, "data-overdue": overdue ? "true" : null },
    h(
      "p",
      { class: "agenda-when" },
      overdue ? h("strong", { class: "badge overdue" }, "Overdue") : null,
      overdue ? " " : null,
      h("span", { class: "date" }, fmtDate(t.due_on)),
    ),
    h("p", { class: "agenda-what" }, `Task: ${t.title}`),
    who(t),
  );
}
