// The four "Record an event" forms of the case page.

import { h, replace } from "../dom.js";
import { api, seg } from "../api.js";
import { AUTHORITIES, DECISION_KINDS, FORMS, HEARING_KINDS, HEARING_MODES, fmtDate } from "../format.js";
import { cancelButton, checkbox, field, form, optionsOf, select, text } from "../forms.js";

/** @typedef {import("./case.js").CaseData} CaseData */

/** @param {CaseData} data @param {() => Promise<void>} reload */
export function recordForms(data, reload) {
  const caseId = data.c.id;
  const base = `/cases/${seg(caseId)}`;
  /**
   * @param {string} path
   * @param {(v: Record<string, any>) => Record<string, unknown>} body
   * @param {string} done
   */
  const submit = (path, body, done) => async (/** @type {Record<string, any>} */ v, /** @type {HTMLFormElement} */ f) => {
    const b = body(v);
    for (const k of Object.keys(b)) if (b[k] === undefined) delete b[k];
    await api("POST", `${base}${path}`, b);
    f.reset();
    await reload();
    return done;
  };

  const filing = form(
    "filing-form",
    [
      select("filing-form", "form", "Form", optionsOf(FORMS), "I-589"),
      field("filing-form", "filed_on", "Filed on", { type: "date", required: true }),
      field("filing-form", "receipt_number", "Receipt number", { hint: "3 letters and 10 digits, e.g. EAC2212345678." }),
      field("filing-form", "approved_on", "Approved on (I-765 only)", { type: "date" }),
      field("filing-form", "valid_until", "Card valid until (I-765 only)", { type: "date" }),
      checkbox("filing-form", "changed_country_conditions", "Motion to reopen on changed country conditions (no time limit)", false),
    ],
    "Save filing",
    submit(
      "/filings",
      (v) => ({
        form: v.form,
        filed_on: v.filed_on,
        receipt_number: text(v.receipt_number),
        approved_on: text(v.approved_on),
        valid_until: text(v.valid_until),
        // Sent only when ticked: the API refuses it on forms other than a motion to reopen.
        changed_country_conditions: v.changed_country_conditions ? true : undefined,
      }),
      "Filing saved.",
    ),
  );

  /** @type {[string, string][]} */
  const offices = [
    ["", "No office"],
    ...data.offices.map((o) => /** @type {[string, string]} */ ([o.code, `${o.name} (${o.city}, ${o.state})`])),
  ];
  const fieldOffices = fieldOfficesOf(data);
  /** @type {[string, string][]} */
  const courts = [["", "No court"], ...data.courts.map((c) => /** @type {[string, string]} */ ([c.code, c.name]))];
  const hearing = form(
    "hearing-form",
    [
      select("hearing-form", "kind", "Kind", optionsOf(HEARING_KINDS), "master_calendar"),
      field("hearing-form", "starts_at_local", "Date and local time", {
        type: "datetime-local",
        required: true,
        hint: "As on the notice, in the court's own time zone.",
      }),
      select("hearing-form", "court_code", "Court", courts, data.c.court_code || ""),
      select("hearing-form", "office_code", "Office (check-ins, interviews, biometrics)", offices, ""),
      select("hearing-form", "mode", "How it is held", [["", "Not stated"], ...optionsOf(HEARING_MODES)], ""),
      field("hearing-form", "interpreter_language", "Interpreter language", { hint: "A language tag, e.g. cmn (Mandarin), es, prs (Dari)." }),
      field("hearing-form", "judge", "Judge"),
      field("hearing-form", "location", "Location"),
    ],
    "Save hearing",
    submit(
      "/hearings",
      (v) => {
        const office = text(v.office_code);
        // An appointment is at an office or at a court. A check-in with no office chosen goes to
        // the field office of the Order of Supervision (the server's default), not to the court.
        const court = office || v.kind === "ice_check_in" ? undefined : text(v.court_code);
        return {
          kind: v.kind,
          starts_at_local: String(v.starts_at_local).slice(0, 16),
          court_code: court,
          office_code: office,
          mode: text(v.mode),
          interpreter_language: text(v.interpreter_language),
          judge: text(v.judge),
          location: text(v.location),
        };
      },
      "Hearing saved.",
    ),
  );
  const courtSelect = /** @type {HTMLSelectElement} */ (hearing.querySelector("select[name=court_code]"));
  hearing.addEventListener("reset", () => {
    setTimeout(() => {
      courtSelect.value = data.c.court_code || "";
    });
  });

  const decision = form(
    "decision-form",
    [
      select("decision-form", "kind", "Decision", optionsOf(DECISION_KINDS), "asylum_granted"),
      select("decision-form", "authority", "Decided by", optionsOf(AUTHORITIES), data.c.kind === "affirmative" ? "uscis" : "immigration_judge"),
      field("decision-form", "decided_on", "Decided on", {
        type: "date",
        required: true,
        hint: "The day of the oral decision, or the mailing of the written one.",
      }),
      field("decision-form", "voluntary_departure_days", "Days of voluntary departure", {
        type: "number",
        attrs: { min: 1, max: 120 },
      }),
      checkbox("decision-form", "appeal_waived", "Appeal waived"),
    ],
    "Save decision",
    submit(
      "/decisions",
      (v) => ({
        kind: v.kind,
        authority: v.authority,
        decided_on: v.decided_on,
        voluntary_departure_days: text(v.voluntary_departure_days) ? Number(v.voluntary_departure_days) : undefined,
        appeal_waived: Boolean(v.appeal_waived),
      }),
      "Decision saved.",
    ),
  );

  const clock = form(
    "clock-form",
    [
      select("clock-form", "kind", "Stop or resume", [["stop", "Stop the clock"], ["resume", "Resume the clock"]], "stop"),
      field("clock-form", "on", "On", { type: "date", required: true }),
      field("clock-form", "reason", "Reason", { required: true }),
    ],
    "Save clock event",
    submit("/clock-events", (v) => ({ kind: v.kind, on: v.on, reason: String(v.reason).trim() }), "Clock event saved."),
  );

  const supervision = form(
    "supervision-form",
    [
      field("supervision-form", "ordered_on", "Ordered on", { type: "date", required: true, hint: "The date on Form I-220B." }),
      select("supervision-form", "field_office_code", "ICE field office", fieldOffices, fieldOffices[0]?.[0] || ""),
      field("supervision-form", "interval_days", "Days between check-ins", {
        type: "number",
        required: true,
        attrs: { min: 1, max: 366 },
      }),
      field("supervision-form", "conditions", "Other conditions"),
    ],
    "Save order",
    submit(
      "/supervision-orders",
      (v) => ({
        ordered_on: v.ordered_on,
        field_office_code: v.field_office_code,
        interval_days: text(v.interval_days) ? Number(v.interval_days) : undefined,
        conditions: text(v.conditions),
      }),
      "Order of Supervision saved.",
    ),
  );
  return h(
    "div",
    { class: "record" },
    h("details", null, h("summary", null, "Record a filing"), filing),
    h("details", null, h("summary", null, "Record a hearing"), hearing),
    h("details", null, h("summary", null, "Record a decision"), decision),
    h("details", null, h("summary", null, "Stop or resume the EAD clock"), clock),
    h("details", null, h("summary", null, "Record an Order of Supervision"), supervision),
  );
}

/** The field offices of the office list, as select options.
 * @param {CaseData} data @returns {[string, string][]} */
const fieldOfficesOf = (data) =>
  data.offices
    .filter((o) => o.kind === "ice_field_office")
    .map((o) => /** @type {[string, string]} */ ([o.code, `${o.name} (${o.city}, ${o.state})`]));

/** The case's Orders of Supervision, drawn again after every save, each with a form to correct
 * or end it (the next check-ins are planned again by the API).
 * @param {CaseData} data @param {() => Promise<void>} reload */
export function supervisionList(data, reload) {
  const orders = data.supervision.map((/** @type {any} */ o) => {
    const slot = h("div", { class: "supervision-slot" });
    const label = `Order of Supervision of ${fmtDate(o.ordered_on)}`;
    const edit = h("button", { type: "button", class: "secondary", "aria-label": `Correct or end: ${label}` }, "Correct or end");
    edit.addEventListener("click", () => {
      const id = `supervision-edit-${o.id}`;
      const f = form(
        id,
        [
          field(id, "ordered_on", "Ordered on", { type: "date", required: true, value: o.ordered_on }),
          select(id, "field_office_code", "ICE field office", fieldOfficesOf(data), o.field_office_code),
          field(id, "interval_days", "Days between check-ins", {
            type: "number",
            required: true,
            value: String(o.interval_days),
            attrs: { min: 1, max: 366 },
          }),
          field(id, "conditions", "Other conditions", { value: o.conditions }),
          field(id, "ended_on", "Ended on", { type: "date", value: o.ended_on, hint: "Leave empty while the order is in force." }),
        ],
        "Save order",
        async (v) => {
          /** @type {Record<string, unknown>} */
          const all = {
            ordered_on: v.ordered_on,
            field_office_code: v.field_office_code,
            interval_days: text(v.interval_days) ? Number(v.interval_days) : null,
            conditions: text(v.conditions, null),
            ended_on: text(v.ended_on, null),
          };
          // Only what changed, so that an unchanged order is not re-planned.
          /** @type {Record<string, unknown>} */
          const changed = {};
          for (const [k, value] of Object.entries(all)) {
            const old = o[k] === undefined ? null : o[k];
            if (value !== old) changed[k] = value;
          }
          if (Object.keys(changed).length) await api("PATCH", `/supervision-orders/${seg(o.id)}`, changed);
          await reload();
        },
        {
          className: "supervision-edit-form",
          extraButtons: [
            cancelButton(() => {
              replace(slot);
              edit.focus();
            }),
          ],
        },
      );
      replace(slot, f);
      const first = f.querySelector("input");
      if (first) first.focus();
    });
    return h(
      "li",
      { "data-id": o.id },
      `${label}: ${o.field_office || o.field_office_code}, every ${o.interval_days} days`,
      o.ended_on ? `, ended ${fmtDate(o.ended_on)}` : "",
      o.conditions ? h("p", null, `Conditions: ${o.conditions}`) : null,
      h("div", { class: "actions" }, edit),
      slot,
    );
  });
  return orders.length ? [h("ul", { id: "supervision-orders" }, ...orders)] : [];
}
