// The case page's family section: the client's spouse and children (each child with the day
// they turn 21, when the I-589 must be in for them to stay a derivative), and the forms to add,
// correct and remove them. Removed members stay listed with the reason.

import { h, nativeName, replace } from "../dom.js";
import { api, seg } from "../api.js";
import { RELATIONSHIPS, fmtDate, words } from "../format.js";
import { cancelButton, checkbox, field, form, optionsOf, select, text } from "../forms.js";

/** @param {boolean} yes */
const yesNo = (yes) => (yes ? "yes" : "no");

/** @param {any} m */
const nameOf = (m) => `${m.given_name} ${m.family_name}`;

/**
 * The fields of a member's form, filled from `m` (empty for a new one).
 * @param {string} id the form id
 * @param {any} [m]
 */
function memberFields(id, m) {
  return [
    select(id, "relationship", "Relationship", optionsOf(RELATIONSHIPS), m ? m.relationship : "child"),
    field(id, "given_name", "Given name", { required: true, value: m && m.given_name, autocomplete: "off" }),
    field(id, "family_name", "Family name", { required: true, value: m && m.family_name, autocomplete: "off" }),
    field(id, "native_name", "Name in own script", { value: m && m.native_name, autocomplete: "off" }),
    field(id, "date_of_birth", "Date of birth", {
      type: "date",
      value: m && m.date_of_birth,
      hint: "For a child, the day before the 21st birthday is the last day to file the I-589 with the child on it.",
    }),
    field(id, "a_number", "A-number", { value: m && m.a_number, autocomplete: "off" }),
    checkbox(id, "derivative", "Included in the I-589 as a derivative", m ? m.derivative : false),
    checkbox(id, "in_united_states", "In the United States", m ? m.in_united_states : false),
  ];
}

/**
 * The API body from a form's values: every field for a new member; for a correction only what
 * differs from `m` (a blank optional field clears it).
 * @param {Record<string, any>} v
 * @param {any} [m]
 */
function bodyOf(v, m) {
  /** @type {Record<string, unknown>} */
  const all = {
    relationship: v.relationship,
    given_name: text(v.given_name, null) ?? "",
    family_name: text(v.family_name, null) ?? "",
    native_name: text(v.native_name, null),
    date_of_birth: text(v.date_of_birth, null),
    a_number: text(v.a_number, null),
    derivative: Boolean(v.derivative),
    in_united_states: Boolean(v.in_united_states),
  };
  if (!m) {
    for (const k of Object.keys(all)) if (all[k] === null) delete all[k];
    return all;
  }
  /** @type {Record<string, unknown>} */
  const changed = {};
  for (const [k, value] of Object.entries(all)) {
    const old = m[k] === undefined ? null : m[k];
    if (value !== old) changed[k] = value;
  }
  return changed;
}

/** @param {any[]} members @param {() => Promise<void>} reload */
export function familyList(members, reload) {
  if (!members.length) return [h("ul", { id: "family", class: "cards" }), h("p", { class: "empty" }, "No spouse or child recorded.")];
  return [h("ul", { id: "family", class: "cards" }, members.map((m) => memberItem(m, reload)))];
}

/** @param {any} m @param {() => Promise<void>} reload */
function memberItem(m, reload) {
  const slot = h("div", { class: "family-slot" });
  const li = h(
    "li",
    { class: "family-member card", "data-id": m.id, "data-relationship": m.relationship, "data-removed": m.removed_at ? "true" : "false" },
    h(
      "p",
      null,
      h("strong", null, `${words(RELATIONSHIPS, m.relationship)}: ${nameOf(m)}`),
      m.native_name ? [" ", nativeName(m.native_name)] : null,
    ),
    h("p", null, m.date_of_birth ? `Born ${fmtDate(m.date_of_birth)}` : "Date of birth not recorded"),
    m.turns_21_on ? h("p", { class: "turns-21" }, `Turns 21 on ${fmtDate(m.turns_21_on)}`) : null,
    m.a_number ? h("p", null, `A-number: ${m.a_number}`) : null,
    h("p", null, `Derivative on the I-589: ${yesNo(m.derivative)} · In the United States: ${yesNo(m.in_united_states)}`),
    m.removed_at ? h("p", { class: "notice" }, `Removed: ${m.removed_reason || ""}`) : null,
  );
  if (m.removed_at) return li;
  const who = `${words(RELATIONSHIPS, m.relationship)} ${nameOf(m)}`;
  const close = (/** @type {HTMLElement} */ b) => () => {
    replace(slot);
    b.focus();
  };
  const correct = h("button", { type: "button", class: "secondary", "aria-label": `Correct: ${who}` }, "Correct");
  correct.addEventListener("click", () => {
    const id = `family-correct-${m.id}`;
    const f = form(
      id,
      memberFields(id, m),
      "Save correction",
      async (v) => {
        const body = bodyOf(v, m);
        if (Object.keys(body).length) await api("PATCH", `/family-members/${seg(m.id)}`, body);
        await reload();
      },
      { extraButtons: [cancelButton(close(correct))], className: "family-correct-form" },
    );
    replace(slot, f);
    const first = f.querySelector("select, input");
    if (first instanceof HTMLElement) first.focus();
  });
  const remove = h("button", { type: "button", class: "secondary", "aria-label": `Remove: ${who}` }, "Remove");
  remove.addEventListener("click", () => {
    const id = `family-remove-${m.id}`;
    const f = form(
      id,
      [field(id, "reason", "Reason for removing", { required: true })],
      "Remove from the case",
      async (v) => {
        await api("DELETE", `/family-members/${seg(m.id)}`, { reason: text(v.reason, null) ?? "" });
        await reload();
      },
      { extraButtons: [cancelButton(close(remove))], className: "family-remove-form" },
    );
    replace(slot, f);
    const input = f.querySelector("input");
    if (input) input.focus();
  });
  li.append(h("div", { class: "actions" }, correct, remove), slot);
  return li;
}

/**
 * The form to add a spouse or child. Built once per page, so a redraw of the list (after
 * another change on the page) keeps what is being typed; emptied only once saved.
 * @param {string} caseId @param {() => Promise<void>} reload
 */
export function addFamilyMember(caseId, reload) {
  const id = "family-form";
  return h(
    "details",
    { class: "subform" },
    h("summary", null, "Add a spouse or child"),
    form(id, memberFields(id), "Add family member", async (v, f) => {
      await api("POST", `/cases/${seg(caseId)}/family-members`, bodyOf(v));
      f.reset();
      await reload();
      return "Family member added.";
    }),
  );
}
