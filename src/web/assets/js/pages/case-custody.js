// The case page's custody section: periods in immigration detention with bond and release, a
// form to record a detention, and on each period a form for the bond decision and the release.
// A detained client is named as such in text ("Detained"), never by colour alone.

import { h } from "../dom.js";
import { api, seg } from "../api.js";
import { BOND_DECISIONS, RELEASE_BASES, fmtDate, words } from "../format.js";
import { field, form, optionsOf, select, text } from "../forms.js";

/** The "Detained" badge of case lists, agenda rows and the case header.
 * @param {{detained?: boolean}} row */
export function detainedBadge(row) {
  return row.detained ? [" ", h("strong", { class: "badge detained" }, "Detained")] : null;
}

/** @param {any} p */
function summary(p) {
  const parts = [`Detained on ${fmtDate(p.detained_on)}`];
  if (p.facility) parts.push(`at ${p.facility}`);
  if (p.bond_hearing_on) parts.push(`bond hearing ${fmtDate(p.bond_hearing_on)}`);
  if (p.bond_decided_on) parts.push(`${words(BOND_DECISIONS, p.bond_decision)} on ${fmtDate(p.bond_decided_on)}`);
  if (p.bond_amount_usd) parts.push(`bond $${Number(p.bond_amount_usd).toLocaleString("en-US")}`);
  if (p.bond_posted_on) parts.push(`posted ${fmtDate(p.bond_posted_on)}`);
  if (p.bond_appeal_filed_on) parts.push(`bond appeal filed ${fmtDate(p.bond_appeal_filed_on)}`);
  parts.push(p.released_on ? `released ${fmtDate(p.released_on)} (${words(RELEASE_BASES, p.release_basis)})` : "still detained");
  return parts.join(" · ");
}

/**
 * Bond facts and the release of one period: only what was filled in is sent.
 * @param {any} p @param {() => Promise<void>} reload
 */
function updateForm(p, reload) {
  const id = `custody-${p.id}`;
  const bases = /** @type {[string, string][]} */ ([["", "Not released"], ...optionsOf(RELEASE_BASES)]);
  const decisions = /** @type {[string, string][]} */ ([["", "No decision yet"], ...optionsOf(BOND_DECISIONS)]);
  return form(
    id,
    [
      field(id, "bond_hearing_on", "Bond hearing on", { type: "date", value: p.bond_hearing_on }),
      field(id, "bond_decided_on", "Bond decided on", { type: "date", value: p.bond_decided_on, hint: "The appeal to the BIA is due 30 days later." }),
      select(id, "bond_decision", "Bond decision", decisions, p.bond_decision || ""),
      field(id, "bond_amount_usd", "Bond amount (US dollars)", { type: "number", value: p.bond_amount_usd, attrs: { min: 1500 } }),
      field(id, "bond_posted_on", "Bond posted on", { type: "date", value: p.bond_posted_on }),
      field(id, "bond_appeal_filed_on", "Bond appeal filed on", { type: "date", value: p.bond_appeal_filed_on }),
      field(id, "released_on", "Released on", { type: "date", value: p.released_on }),
      select(id, "release_basis", "Released how", bases, p.release_basis || ""),
    ],
    "Save custody",
    async (v) => {
      /** @type {Record<string, unknown>} */
      const b = {};
      for (const k of ["bond_hearing_on", "bond_decided_on", "bond_decision", "bond_posted_on", "bond_appeal_filed_on", "released_on", "release_basis"]) {
        const now = text(v[k], null);
        if (now !== (p[k] ?? null)) b[k] = now;
      }
      const amount = text(v.bond_amount_usd, null);
      const n = amount === null ? null : Number(amount);
      if (n !== (p.bond_amount_usd ?? null)) b.bond_amount_usd = n;
      if (Object.keys(b).length) await api("PATCH", `/custody/${seg(p.id)}`, b);
      await reload();
      return "Custody saved.";
    },
  );
}

/** The case's custody periods, each with its update form.
 * @param {any[]} periods @param {() => Promise<void>} reload */
export function custodyList(periods, reload) {
  if (!periods.length) return [h("ul", { id: "custody", class: "cards" }), h("p", { class: "empty" }, "No detention recorded.")];
  return [
    h(
      "ul",
      { id: "custody", class: "cards" },
      periods.map((p) =>
        h(
          "li",
          { class: "card custody", "data-id": p.id, "data-detained": p.detained ? "true" : "false" },
          h("p", null, p.detained ? [h("strong", { class: "badge detained" }, "Detained"), " "] : null, summary(p)),
          p.note ? h("p", { class: "note" }, `Note: ${p.note}`) : null,
          h("details", null, h("summary", null, "Bond and release"), updateForm(p, reload)),
        ),
      ),
    ),
  ];
}

/** The form to record a detention.
 * @param {string} caseId @param {() => Promise<void>} reload */
export function addCustody(caseId, reload) {
  const id = "custody-form";
  return h(
    "details",
    null,
    h("summary", null, "Record a detention"),
    form(
      id,
      [
        field(id, "detained_on", "Detained on", { type: "date", required: true }),
        field(id, "facility", "Facility", { hint: "The detention centre." }),
        field(id, "note", "Note"),
      ],
      "Save detention",
      async (v, f) => {
        const b = { detained_on: v.detained_on, facility: text(v.facility), note: text(v.note) };
        await api("POST", `/cases/${seg(caseId)}/custody`, b);
        f.reset();
        await reload();
        return "Detention saved.";
      },
    ),
  );
}
