// The exception to the one-year filing bar a case claims (8 CFR 208.4(a)(4), (a)(5)): shown with
// the case details, claimed or replaced with a note, withdrawn with a reason.

import { h } from "../dom.js";
import { api, seg } from "../api.js";
import { ONE_YEAR_EXCEPTIONS, fmtInstant, words } from "../format.js";
import { field, form, optionsOf, select, text, textarea } from "../forms.js";

/** @typedef {import("./case.js").CaseData} CaseData */

/**
 * The standing claim (or none) and the forms to claim one and to withdraw it. Redrawn with the
 * case; a refused save keeps what was typed.
 * @param {CaseData} data @param {() => Promise<void>} reload
 * @returns {Node[]}
 */
export function oneYearException(data, reload) {
  const claim = data.oneYear || {};
  const path = `/cases/${seg(data.c.id)}/one-year-exception`;
  const standing = claim.kind
    ? h(
        "div",
        { id: "one-year-claim", "data-kind": claim.kind },
        h("p", null, h("strong", null, words(ONE_YEAR_EXCEPTIONS, claim.kind)), claim.claimed_at ? ` · claimed ${fmtInstant(claim.claimed_at)}` : ""),
        claim.note ? h("p", { class: "note-text" }, claim.note) : null,
      )
    : h("p", { id: "one-year-claim", class: "empty" }, "No exception to the one-year filing bar is claimed.");
  const id = "one-year-form";
  const claimForm = form(
    id,
    [
      h("p", { class: "hint" }, "A claim is an argument to the court or asylum office; it does not move the one-year filing deadline."),
      select(id, "kind", "Exception", [["", "Choose an exception"], ...optionsOf(ONE_YEAR_EXCEPTIONS)], claim.kind || "", { required: true }),
      textarea(id, "note", "What the claim rests on (optional)", { attrs: { maxlength: 2000 }, value: claim.note || "" }),
    ],
    claim.kind ? "Replace the claim" : "Claim the exception",
    async (v) => {
      // A missing kind is left to the server, whose answer is shown by the select.
      await api("PUT", path, { kind: text(v.kind) ?? "", note: text(v.note, null) });
      await reload();
    },
  );
  const withdrawId = "one-year-withdraw-form";
  const withdraw = claim.kind
    ? form(
        withdrawId,
        [field(withdrawId, "reason", "Reason for withdrawing", { required: true })],
        "Withdraw the claim",
        async (v) => {
          await api("DELETE", path, { reason: text(v.reason, null) ?? "" });
          await reload();
        },
      )
    : null;
  return [standing, claimForm, withdraw].filter((n) => n !== null);
}
