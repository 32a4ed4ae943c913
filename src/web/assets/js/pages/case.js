// One case: facts, assignments, the EAD clock, deadlines, the timeline and the record forms.

import { h, nativeName, replace } from "../dom.js";
import { ApiError, api, get, isAdmin, seg, user } from "../api.js";
import { CASE_KINDS, DEADLINE_STATUSES, ROLES, caseStatusWords, deadlineWords, fmtDate, fullName, words } from "../format.js";
import { cancelButton, field, form, select } from "../forms.js";
import { timeline } from "./case-timeline.js";
import { recordForms, supervisionList } from "./case-record.js";
import { closingForm, ntaForm } from "./case-details.js";
import { oneYearException } from "./case-one-year.js";
import { addFamilyMember, familyList } from "./case-family.js";
import { addNote, addTask, noteList, taskList } from "./case-notes.js";
import { addCustody, custodyList, detainedBadge } from "./case-custody.js";

/**
 * Everything the case page shows.
 * @typedef {{c: any, client: any, courts: any[], deadlines: any[], clock: any, filings: any[], hearings: any[], decisions: any[], clockEvents: any[], directory: any[], family: any[], offices: any[], supervision: any[], notes: any[], tasks: any[], custody: any[], oneYear: any}} CaseData
 */

/** @param {string} id @returns {Promise<CaseData>} */
async function loadCase(id) {
  const canAssign = isAdmin() || user()?.role === "lawyer";
  // The case itself in one call (GET /cases/{id}/overview); the place lists and the directory
  // are the same for every case.
  const [o, courts, directory, offices] = await Promise.all([
    get(`/cases/${seg(id)}/overview`),
    get("/courts").then((d) => d.items || []),
    canAssign ? get("/users/directory").then((d) => d.items || []).catch(() => []) : Promise.resolve([]),
    get("/offices").then((d) => d.items || []),
  ]);
  const t = o.timeline;
  return {
    c: o.case,
    client: o.client,
    courts,
    deadlines: o.deadlines,
    clock: o.ead_clock,
    filings: t.filings,
    hearings: t.hearings,
    decisions: t.decisions,
    clockEvents: t.clock_events,
    directory,
    family: o.family_members,
    offices,
    supervision: o.supervision_orders,
    notes: t.notes,
    tasks: o.tasks,
    custody: o.custody_periods,
    oneYear: o.one_year_exception,
  };
}

/** @param {string[]} params */
export async function casePage(params) {
  const id = params[0];
  let data = await loadCase(id);
  const head = h("div");
  const assignments = h("section", { "aria-labelledby": "assignments-h" });
  const clock = h("section", { id: "ead-clock", "aria-labelledby": "ead-clock-h" });
  const deadlines = h("div");
  const events = h("div");
  const closing = h("div", { id: "case-closing" });
  const orders = h("div");
  const family = h("div");
  const notes = h("div");
  const tasks = h("div");
  const taskForm = h("div");
  const custody = h("div");
  const oneYear = h("div", { id: "one-year" });

  const reload = async () => {
    data = await loadCase(id);
    draw();
  };
  const draw = () => {
    replace(head, ...header(data));
    replace(assignments, ...assignmentSection(data, reload));
    replace(clock, ...clockSection(data.clock));
    replace(deadlines, ...deadlineList(data.deadlines, reload));
    replace(events, timeline(data, reload));
    replace(closing, closingForm(data, reload));
    replace(family, ...familyList(data.family, reload));
    replace(notes, ...noteList(data.notes, reload));
    replace(custody, ...custodyList(data.custody, reload));
    replace(tasks, ...taskList(data.tasks, data.c, reload));
    replace(orders, ...supervisionList(data, reload));
    replace(oneYear, ...oneYearException(data, reload));
  };
  draw();
  // Built once (the team is known by now), so a redraw keeps what is being typed.
  replace(taskForm, addTask(data.c, reload));
  return h(
    "div",
    null,
    head,
    assignments,
    h("h2", { id: "ead-clock-h" }, "EAD clock"),
    clock,
    h("section", { "aria-labelledby": "deadlines-h" }, h("h2", { id: "deadlines-h" }, "Deadlines"), deadlines, addDeadline(id, reload)),
    h("section", { "aria-labelledby": "custody-h" }, h("h2", { id: "custody-h" }, "Custody"), custody, addCustody(id, reload)),
    h("section", { "aria-labelledby": "family-h" }, h("h2", { id: "family-h" }, "Family"), family, addFamilyMember(id, reload)),
    h("section", { "aria-labelledby": "tasks-h" }, h("h2", { id: "tasks-h" }, "Tasks"), tasks, taskForm),
    h("section", { "aria-labelledby": "notes-h" }, h("h2", { id: "notes-h" }, "Notes"), addNote(id, reload), notes),
    h("section", { "aria-labelledby": "timeline-h" }, h("h2", { id: "timeline-h" }, "Timeline"), events),
    h("section", { "aria-labelledby": "record-h" }, h("h2", { id: "record-h" }, "Record an event"), orders, recordForms(data, reload)),
    h(
      "section",
      { "aria-labelledby": "case-details-h" },
      h("h2", { id: "case-details-h" }, "Case details"),
      h(
        "div",
        { class: "record" },
        h("details", null, h("summary", null, "Notice to appear"), ntaForm(data, reload)),
        h("details", null, h("summary", null, "Exception to the one-year filing bar"), oneYear),
        h("details", null, h("summary", null, "Close or reopen the case"), closing),
      ),
    ),
  );
}

/** @param {CaseData} data */
function header(data) {
  const { c, client, courts } = data;
  const court = courts.find((x) => x.code === c.court_code);
  /** @type {[string, string][]} */
  const facts = [
    ["Kind", words(CASE_KINDS, c.kind)],
    ["Status", caseStatusWords(c)],
    ["Immigration court", court ? court.name : c.court_code || "None yet"],
    ["Opened on", fmtDate(c.opened_on)],
  ];
  if (c.closed_on) facts.push(["Closed on", fmtDate(c.closed_on)]);
  if (c.closed_note) facts.push(["Closing note", c.closed_note]);
  // The charging document: shown for a case in court, or once any of it is known.
  const named = c.nta_time_and_place === true ? "Yes" : c.nta_time_and_place === false ? "No" : "Not known";
  if (c.kind === "defensive" || c.nta_issued_on || c.nta_served_on || c.nta_filed_on || c.nta_time_and_place !== null) {
    facts.push(
      ["NTA issued on", fmtDate(c.nta_issued_on)],
      ["NTA served on", fmtDate(c.nta_served_on)],
      ["NTA filed with the court on", fmtDate(c.nta_filed_on)],
      ["NTA named time and place", named],
    );
  }
  return [
    h("h1", null, `Case ${c.reference}`, detainedBadge(c)),
    h(
      "p",
      { class: "case-client" },
      "Client: ",
      h("a", { href: `/clients/${seg(c.client_id)}` }, client ? fullName(client) : "the client"),
      client && client.native_name ? [" ", nativeName(client.native_name, client.languages)] : null,
    ),
    h("dl", { id: "case-facts", class: "facts" }, facts.map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v)))),
  ];
}

/** @param {CaseData} data @param {() => Promise<void>} reload */
function assignmentSection(data, reload) {
  const { c, directory } = data;
  const canAssign = isAdmin() || user()?.role === "lawyer";
  const nameOf = (/** @type {any} */ a) => a.name || directory.find((u) => u.id === a.user_id)?.name || a.user_id;
  const alert = h("p", { class: "form-error", role: "alert" });
  const list = h(
    "ul",
    { id: "assignments", class: "plain" },
    (c.assignments || []).map((/** @type {any} */ a) => {
      const remove = canAssign ? h("button", { type: "button", class: "secondary small", "aria-label": `Remove ${nameOf(a)}` }, "Remove") : null;
      if (remove) {
        remove.addEventListener("click", async () => {
          alert.textContent = "";
          try {
            await api("DELETE", `/cases/${seg(c.id)}/assignments/${seg(a.user_id)}`);
            await reload();
          } catch (e) {
            alert.textContent = e instanceof Error ? e.message : "The change failed.";
          }
        });
      }
      return h("li", { class: "assignment", "data-user-id": a.user_id }, h("span", null, `${nameOf(a)} — ${words(ROLES, a.role)}`), " ", remove);
    }),
  );
  /** @type {HTMLElement[]} */
  const out = [h("h2", { id: "assignments-h" }, "Assignments"), alert, list];
  if (!(c.assignments || []).length) out.push(h("p", { class: "empty" }, "Nobody is assigned."));
  if (canAssign) {
    /** @type {[string, string][]} */
    const people = directory.map((u) => [u.id, `${u.name} (${words(ROLES, u.role)})`]);
    out.push(
      form(
        "assignment-form",
        [
          select("assignment-form", "user_id", "Person", [["", "Choose a person"], ...people], ""),
          select("assignment-form", "role", "Role on case", [["lawyer", "Lawyer"], ["caseworker", "Caseworker"]], "lawyer"),
        ],
        "Assign",
        async (v) => {
          if (!v.user_id) throw new ApiError(422, { errors: [{ field: "user_id", message: "Choose a person." }] });
          await api("PUT", `/cases/${seg(c.id)}/assignments/${seg(v.user_id)}`, { role: v.role });
          await reload();
        },
      ),
    );
  }
  return out;
}

/** @param {any} clock the EAD clock, or null before the I-589 */
function clockSection(clock) {
  if (!clock) return [h("p", null, "The clock starts when the I-589 is filed.")];
  const n = Number(clock.days_elapsed);
  const meter = (/** @type {number} */ max) =>
    h(
      "div",
      { class: "meter-row" },
      h("label", { for: `ead-meter-${max}` }, `Days elapsed of ${max}`),
      h("meter", { id: `ead-meter-${max}`, min: 0, max, value: Math.min(n, max) }),
      h("span", { class: "meter-text" }, `${n} of ${max} days`),
    );
  const stopped = "— (clock stopped)";
  const events = clock.events || [];
  return [
    h("p", null, `Started on ${fmtDate(clock.started_on)}. As of ${fmtDate(clock.as_of)} the clock is `, h("strong", { id: "ead-state" }, clock.running ? "running" : "stopped"), `; ${clock.stopped_days} days stopped so far.`),
    meter(150),
    meter(180),
    h("p", { id: "ead-filing" }, "Earliest EAD filing: ", clock.earliest_filing_on ? fmtDate(clock.earliest_filing_on) : stopped),
    h("p", { id: "ead-grant" }, "Earliest EAD grant: ", clock.earliest_grant_on ? fmtDate(clock.earliest_grant_on) : stopped),
    events.length
      ? [
          h("h3", null, "Stops and resumptions"),
          h(
            "ul",
            { id: "ead-events", class: "plain" },
            events.map((/** @type {any} */ e) =>
              h("li", null, `${e.kind === "stop" ? "Stopped" : "Resumed"} on ${fmtDate(e.on)}: `, e.reason),
            ),
          ),
        ]
      : h("p", null, "No stops recorded."),
  ];
}

/** @param {any[]} all @param {() => Promise<void>} reload */
function deadlineList(all, reload) {
  const items = all.filter((d) => d.status !== "superseded").sort((a, b) => (a.due_on < b.due_on ? -1 : a.due_on > b.due_on ? 1 : 0));
  if (!items.length) return [h("ul", { id: "deadlines", class: "cards" }), h("p", { class: "empty" }, "No deadlines yet.")];
  return [h("ul", { id: "deadlines", class: "cards" }, items.map((d) => deadlineItem(d, reload)))];
}

/** @param {any} d @param {() => Promise<void>} reload */
function deadlineItem(d, reload) {
  const slot = h("div", { class: "mark-slot" });
  const li = h(
    "li",
    { class: "deadline card", "data-id": d.id, "data-kind": d.kind, "data-status": d.status },
    h("p", { class: "deadline-what" }, h("strong", null, deadlineWords(d))),
    h("p", null, "Due ", h("span", { class: "date" }, fmtDate(d.due_on)), " · ", h("span", { class: `status status-${d.status}` }, words(DEADLINE_STATUSES, d.status))),
    d.alternative_due_on ? h("p", { class: "alt" }, `Possibly later: ${fmtDate(d.alternative_due_on)}`, d.alternative_reason ? ` (${d.alternative_reason})` : "") : null,
    d.note ? h("p", { class: "note" }, `Note: ${d.note}`) : null,
    h("details", null, h("summary", null, "Rule and explanation"), h("p", { class: "rule" }, d.rule), h("p", { class: "explanation" }, d.explanation)),
  );
  // A missed deadline may still be met late (the filing went in after all) or waived.
  if (d.status === "open" || d.status === "missed") {
    const buttons = h("div", { class: "actions" });
    for (const [status, label] of [["met", "Mark met"], ["waived", "Mark waived"]]) {
      const b = h("button", { type: "button", class: "secondary" }, label);
      b.addEventListener("click", () => {
        const fid = `mark-${d.id}-${status}`;
        const f = form(
          fid,
          [field(fid, "note", "Note", { required: true })],
          "Save",
          async (v) => {
            await api("PATCH", `/deadlines/${seg(d.id)}`, { status, note: String(v.note).trim() });
            await reload();
          },
          { className: "deadline-mark-form", extraButtons: [cancelButton(() => replace(slot))] },
        );
        f.setAttribute("aria-label", `${label}: ${deadlineWords(d)}`);
        replace(slot, f);
        const input = f.querySelector("input");
        if (input) input.focus();
      });
      buttons.append(b);
    }
    li.append(buttons, slot);
  }
  return li;
}

/** @param {string} caseId @param {() => Promise<void>} reload */
function addDeadline(caseId, reload) {
  const id = "deadline-form";
  return h(
    "div",
    { class: "subform" },
    h("h3", null, "Add a deadline"),
    form(
      id,
      [field(id, "title", "Title", { required: true }), field(id, "due_on", "Due on", { type: "date", required: true })],
      "Add deadline",
      async (v, f) => {
        await api("POST", `/cases/${seg(caseId)}/deadlines`, { kind: "other", title: String(v.title).trim(), due_on: v.due_on });
        f.reset();
        await reload();
        return "Deadline added.";
      },
    ),
  );
}
