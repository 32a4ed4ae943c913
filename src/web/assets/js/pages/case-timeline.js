// The case timeline (filings, clock events, hearings, decisions by date) and its corrections.

import { h, replace } from "../dom.js";
import { api, seg } from "../api.js";
import { AUTHORITIES, DECISION_KINDS, FORMS, HEARING_KINDS, HEARING_MODES, HEARING_OUTCOMES, fmtDate, fmtHearingTime, fmtInZone, words } from "../format.js";
import { cancelButton, checkbox, field, form, optionsOf, select, text } from "../forms.js";

/** @typedef {import("./case.js").CaseData} CaseData */
/** @typedef {{date: string, type: string, record: any}} Entry */

/** @param {CaseData} data @param {() => Promise<void>} reload */
export function timeline(data, reload) {
  /** @type {Entry[]} */
  const entries = [
    ...data.filings.map((r) => ({ date: String(r.filed_on), type: "filing", record: r })),
    ...data.clockEvents.map((r) => ({ date: String(r.on), type: "clock_event", record: r })),
    ...data.hearings.map((r) => ({ date: String(r.starts_at_local), type: "hearing", record: r })),
    ...data.decisions.map((r) => ({ date: String(r.decided_on), type: "decision", record: r })),
  ];
  entries.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  if (!entries.length) return h("div", null, h("ol", { id: "timeline", class: "cards" }), h("p", { class: "empty" }, "Nothing recorded yet."));
  return h("ol", { id: "timeline", class: "cards" }, entries.map((e) => item(e, data, reload)));
}

/** @param {Entry} e @param {CaseData} data @param {() => Promise<void>} reload */
function item(e, data, reload) {
  const r = e.record;
  const slot = h("div", { class: "correct-slot" });
  const withdrawn = r.withdrawn_at
    ? h("p", { class: "notice" }, `Withdrawn: ${r.withdrawn_reason || ""}`)
    : null;
  const body = describe(e, data);
  const li = h("li", { class: "timeline-item card", "data-type": e.type, "data-id": r.id }, body, withdrawn);
  if (!r.withdrawn_at) {
    const b = h("button", { type: "button", class: "secondary" }, "Correct");
    b.setAttribute("aria-label", `Correct: ${summaryText(e, data)}`);
    b.addEventListener("click", () => {
      const f = correctionForm(e, data, reload, () => {
        replace(slot);
        b.focus();
      });
      replace(slot, f);
      const first = f.querySelector("input, select");
      if (first instanceof HTMLElement) first.focus();
    });
    li.append(h("div", { class: "actions" }, b), slot);
  }
  return li;
}

/** An appointment's office, with its city: "ERO New York Field Office, New York, NY".
 * @param {CaseData} data @param {string | null | undefined} code */
function officeName(data, code) {
  if (!code) return "";
  const o = data.offices.find((x) => x.code === code);
  return o ? `${o.name}, ${o.city}, ${o.state}` : code;
}

/** @param {CaseData} data @param {string | null | undefined} code */
function courtName(data, code) {
  if (!code) return "";
  return data.courts.find((c) => c.code === code)?.name || code;
}

/** @param {Entry} e @param {CaseData} data */
function summaryText(e, data) {
  const r = e.record;
  switch (e.type) {
    case "filing":
      return `${words(FORMS, r.form)} filed ${fmtDate(r.filed_on)}`;
    case "clock_event":
      return `${r.kind === "stop" ? "Clock stopped" : "Clock resumed"} ${fmtDate(r.on)}`;
    case "hearing":
      return `${words(HEARING_KINDS, r.kind)} ${fmtHearingTime(r)}`;
    default:
      return `${words(DECISION_KINDS, r.kind)} ${fmtDate(r.decided_on)}`;
  }
}

/** @param {Entry} e @param {CaseData} data */
function describe(e, data) {
  const r = e.record;
  if (e.type === "filing") {
    return [
      h("p", { class: "when" }, fmtDate(r.filed_on)),
      h("p", null, h("strong", null, `Filing: ${words(FORMS, r.form)}`)),
      h("p", null, `Receipt number: ${r.receipt_number || "—"}`, r.status ? ` · Status: ${r.status}` : ""),
      r.approved_on ? h("p", null, `Approved on ${fmtDate(r.approved_on)}`) : null,
      r.valid_until ? h("p", null, `Valid until ${fmtDate(r.valid_until)}`) : null,
      r.changed_country_conditions
        ? h("p", null, "On changed country conditions: no time limit (8 CFR 1003.2(c)(3)(ii), 1003.23(b)(4)(i))")
        : null,
    ];
  }
  if (e.type === "clock_event") {
    return [
      h("p", { class: "when" }, fmtDate(r.on)),
      h("p", null, h("strong", null, r.kind === "stop" ? "EAD clock stopped" : "EAD clock resumed")),
      h("p", null, `Reason: ${r.reason}`),
    ];
  }
  if (e.type === "hearing") {
    return [
      h("p", { class: "when" }, fmtHearingTime(r)),
      h("p", null, h("strong", null, words(HEARING_KINDS, r.kind))),
      r.mode || r.interpreter_language
        ? h(
            "p",
            { class: "hearing-mode" },
            [r.mode ? words(HEARING_MODES, r.mode) : "", r.interpreter_language ? `Interpreter: ${r.interpreter_language}` : ""]
              .filter(Boolean)
              .join(" · "),
          )
        : "",
      h(
        "p",
        null,
        [officeName(data, r.office_code) || courtName(data, r.court_code), r.judge ? `Judge ${r.judge}` : "", r.location || ""].filter(Boolean).join(" · ") || "No court or place given",
      ),
      h("p", null, `Outcome: ${r.outcome ? words(HEARING_OUTCOMES, r.outcome) : "not yet recorded"}`),
      (r.history || []).map((/** @type {any} */ old) =>
        h("p", { class: "moved" }, `Moved from ${fmtInZone(old.starts_at, old.time_zone, old.starts_at_local)}`),
      ),
    ];
  }
  return [
    h("p", { class: "when" }, fmtDate(r.decided_on)),
    h("p", null, h("strong", null, `Decision: ${words(DECISION_KINDS, r.kind)}`)),
    h(
      "p",
      null,
      `By: ${words(AUTHORITIES, r.authority)}`,
      r.voluntary_departure_days ? ` · ${r.voluntary_departure_days} days of voluntary departure` : "",
      r.appeal_waived ? " · Appeal waived" : "",
    ),
  ];
}

/**
 * The fields that differ from the record, plus the reason.
 * @param {Record<string, any>} v the form's values
 * @param {any} r the record
 * @param {string[]} names
 */
function changed(v, r, names) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const n of names) {
    let value = v[n];
    if (typeof value === "string") value = value.trim() === "" ? null : value.trim();
    if (n === "voluntary_departure_days" && value !== null) value = Number(value);
    const old = r[n] === undefined ? null : r[n];
    if (value !== old) out[n] = value;
  }
  return out;
}

/**
 * @param {Entry} e @param {CaseData} data @param {() => Promise<void>} reload @param {() => void} close
 */
function correctionForm(e, data, reload, close) {
  const r = e.record;
  const id = `correct-${e.type}-${r.id}`;
  const reason = field(id, "reason", "Reason for the correction", { required: true });
  const cancel = cancelButton(close);
  /** @param {string} path @param {string[]} names */
  const save = (path, names) => async (/** @type {Record<string, any>} */ v) => {
    const body = changed(v, r, names);
    body.reason = text(v.reason, null) ?? "";
    await api("PATCH", path, body);
    await reload();
  };
  if (e.type === "filing") {
    return form(
      id,
      [
        select(id, "form", "Form", optionsOf(FORMS), r.form),
        field(id, "filed_on", "Filed on", { type: "date", value: r.filed_on }),
        field(id, "receipt_number", "Receipt number", { value: r.receipt_number }),
        reason,
      ],
      "Save correction",
      save(`/filings/${seg(r.id)}`, ["form", "filed_on", "receipt_number"]),
      { extraButtons: [cancel], className: "correction-form" },
    );
  }
  if (e.type === "clock_event") {
    return form(
      id,
      [
        select(id, "kind", "Stop or resume", [["stop", "Stop"], ["resume", "Resume"]], r.kind),
        field(id, "on", "On", { type: "date", value: r.on }),
        field(id, "event_reason", "Why the clock stopped or resumed", { value: r.reason }),
        reason,
      ],
      "Save correction",
      async (v) => {
        const body = changed(v, r, ["kind", "on"]);
        const ev = text(v.event_reason, null);
        if (ev && ev !== r.reason) body.event_reason = ev;
        body.reason = text(v.reason, null) ?? "";
        await api("PATCH", `/clock-events/${seg(r.id)}`, body);
        await reload();
      },
      { extraButtons: [cancel], className: "correction-form" },
    );
  }
  if (e.type === "decision") {
    return form(
      id,
      [
        select(id, "kind", "Decision", optionsOf(DECISION_KINDS), r.kind),
        select(id, "authority", "Decided by", optionsOf(AUTHORITIES), r.authority),
        field(id, "decided_on", "Decided on", { type: "date", value: r.decided_on }),
        field(id, "voluntary_departure_days", "Days of voluntary departure", {
          type: "number",
          value: r.voluntary_departure_days,
          attrs: { min: 1, max: 120 },
        }),
        checkbox(id, "appeal_waived", "Appeal waived", r.appeal_waived),
        reason,
      ],
      "Save correction",
      save(`/decisions/${seg(r.id)}`, ["kind", "authority", "decided_on", "voluntary_departure_days", "appeal_waived"]),
      { extraButtons: [cancel], className: "correction-form" },
    );
  }
  /** @type {[string, string][]} */
  const outcomes = [["", "Not recorded"], ...optionsOf(HEARING_OUTCOMES)];
  return form(
    id,
    [
      field(id, "starts_at_local", `New date and local time (${r.time_zone})`, { type: "datetime-local", value: r.starts_at_local }),
      select(id, "outcome", "Outcome", outcomes, r.outcome || ""),
    ],
    "Save change",
    async (v) => {
      /** @type {Record<string, unknown>} */
      const body = {};
      if (v.starts_at_local && String(v.starts_at_local).slice(0, 16) !== r.starts_at_local) body.starts_at_local = String(v.starts_at_local).slice(0, 16);
      if ((v.outcome || null) !== (r.outcome || null)) body.outcome = v.outcome || null;
      if (!Object.keys(body).length) {
        close();
        return;
      }
      await api("PATCH", `/hearings/${seg(r.id)}`, body);
      await reload();
    },
    { extraButtons: [cancel], className: "correction-form" },
  );
}
