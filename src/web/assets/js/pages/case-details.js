// The case's own details on the case page: closing it (with a reason) or reopening it, and its
// charging document, the Notice to Appear.

import { h } from "../dom.js";
import { api, seg } from "../api.js";
import { CLOSED_REASONS } from "../format.js";
import { field, form, optionsOf, select, text, textarea } from "../forms.js";

/** @typedef {import("./case.js").CaseData} CaseData */

/**
 * Close the case (a reason is required, a note optional), or reopen a closed one. Redrawn with
 * the case; a refused save keeps what was typed.
 * @param {CaseData} data @param {() => Promise<void>} reload
 */
export function closingForm(data, reload) {
  const c = data.c;
  const path = `/cases/${seg(c.id)}`;
  if (c.status === "closed") {
    return form(
      "reopen-form",
      [h("p", null, "Reopening clears the reason and plans the case's reminders again.")],
      "Reopen case",
      async () => {
        await api("PATCH", path, { status: "open" });
        await reload();
      },
    );
  }
  const id = "close-form";
  return form(
    id,
    [
      h("p", null, "A closed case sends no reminders and leaves the agenda and calendar feeds; its page keeps everything."),
      select(id, "closed_reason", "Reason for closing", [["", "Choose a reason"], ...optionsOf(CLOSED_REASONS)], "", { required: true }),
      textarea(id, "closed_note", "Note (optional)", { attrs: { maxlength: 2000 } }),
    ],
    "Close case",
    async (v) => {
      // A missing reason is left to the server, whose answer is shown by the select.
      await api("PATCH", path, {
        status: "closed",
        closed_reason: text(v.closed_reason),
        closed_note: text(v.closed_note),
      });
      await reload();
    },
  );
}

/**
 * The Notice to Appear's dates and whether it named the time and place of the first hearing.
 * Built once with the page (a reload elsewhere keeps what is typed here); an empty date clears.
 * @param {CaseData} data @param {() => Promise<void>} reload
 */
export function ntaForm(data, reload) {
  const c = data.c;
  const id = "nta-form";
  const named = c.nta_time_and_place === true ? "true" : c.nta_time_and_place === false ? "false" : "";
  return form(
    id,
    [
      field(id, "nta_issued_on", "Issued on", { type: "date", value: c.nta_issued_on }),
      field(id, "nta_served_on", "Served on", { type: "date", value: c.nta_served_on }),
      field(id, "nta_filed_on", "Filed with the court on", {
        type: "date",
        value: c.nta_filed_on,
        hint: "Removal proceedings begin when the NTA is filed with the immigration court.",
      }),
      select(id, "nta_time_and_place", "Named the time and place of the first hearing", [["", "Not known"], ["true", "Yes"], ["false", "No"]], named, {
        attrs: { "aria-describedby": `${id}-nta_time_and_place-hint` },
      }),
      h("p", { class: "hint", id: `${id}-nta_time_and_place-hint` }, "A notice without them does not stop the continuous-residence clock."),
    ],
    "Save notice to appear",
    async (v) => {
      await api("PATCH", `/cases/${seg(c.id)}`, {
        nta_issued_on: text(v.nta_issued_on, null),
        nta_served_on: text(v.nta_served_on, null),
        nta_filed_on: text(v.nta_filed_on, null),
        nta_time_and_place: v.nta_time_and_place === "" ? null : v.nta_time_and_place === "true",
      });
      await reload();
      return "Notice to appear saved.";
    },
  );
}
