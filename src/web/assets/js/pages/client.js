// One client: facts, editing, their cases and opening a new case.

import { h, nativeName, replace } from "../dom.js";
import { api, get, getAll, seg } from "../api.js";
import { CASE_KINDS, MANNERS, caseStatusWords, fmtDate, fullName, words } from "../format.js";
import { clientForm } from "../client-form.js";
import { detainedBadge } from "./case-custody.js";
import { form, optionsOf, select } from "../forms.js";
import { focusHeading, navigate } from "../router.js";

/** @param {string[]} params */
export async function clientPage(params) {
  const id = params[0];
  const [client, cases, courts] = await Promise.all([
    get(`/clients/${seg(id)}`),
    getAll(`/cases?client_id=${seg(id)}`),
    get("/courts").then((d) => d.items || []),
  ]);
  const root = h("div");
  const draw = (/** @type {any} */ c) => {
    replace(root, ...content(c, cases, courts, draw));
  };
  draw(client);
  return root;
}

/**
 * @param {any} c @param {any[]} cases @param {any[]} courts
 * @param {(c: any) => void} redraw
 */
function content(c, cases, courts, redraw) {
  const facts = factsList(c);
  const edit = h("button", { type: "button", id: "edit-client" }, "Edit client");
  const factsBox = h("div", { id: "client-facts-box" }, facts, h("p", null, edit));
  edit.addEventListener("click", () => {
    const f = clientForm(
      c,
      (saved) => {
        redraw(saved);
        focusHeading();
      },
      () => {
        redraw(c);
        focusHeading();
      },
    );
    replace(factsBox, f);
    const first = f.querySelector("input");
    if (first) first.focus();
  });
  /** @type {[string, string][]} */
  const courtOptions = [["", "None yet"], ...courts.map((/** @type {any} */ x) => /** @type {[string, string]} */ ([x.code, x.name]))];
  const caseForm = form(
    "case-form",
    [
      select("case-form", "kind", "Kind", optionsOf(CASE_KINDS), "affirmative"),
      select("case-form", "court_code", "Immigration court", courtOptions, ""),
    ],
    "Open case",
    async (v) => {
      /** @type {Record<string, unknown>} */
      const body = { client_id: c.id, kind: v.kind };
      if (v.court_code) body.court_code = v.court_code;
      const created = await api("POST", "/cases", body);
      navigate(`/cases/${seg(created.id)}`);
    },
  );
  const courtName = (/** @type {string | null} */ code) => courts.find((/** @type {any} */ x) => x.code === code)?.name || code;
  return [
    h("h1", null, fullName(c), c.native_name ? [" ", nativeName(c.native_name, c.languages)] : null),
    c.archived ? h("p", { class: "notice" }, "This client is archived.") : null,
    factsBox,
    h("h2", null, "Cases"),
    cases.length
      ? h(
          "ul",
          { id: "client-cases", class: "cards" },
          cases.map((k) =>
            h(
              "li",
              { class: "card" },
              h("a", { href: `/cases/${seg(k.id)}` }, k.reference),
              detainedBadge(k),
              h(
                "span",
                { class: "meta" },
                ` · ${words(CASE_KINDS, k.kind)} · ${caseStatusWords(k)}`,
                k.court_code ? ` · ${courtName(k.court_code)}` : "",
              ),
            ),
          ),
        )
      : [h("ul", { id: "client-cases", class: "cards" }), h("p", { class: "empty" }, "No case yet.")],
    h("h3", null, "Open a case"),
    caseForm,
  ];
}

/** @param {any} c */
function factsList(c) {
  /** @type {[string, string][]} */
  const rows = [
    ["A-number", c.a_number || "—"],
    ["Date of birth", c.date_of_birth ? fmtDate(c.date_of_birth) : "—"],
    ["Nationality", c.nationality || "—"],
    ["Languages", (c.languages || []).join(", ") || "—"],
    ["Interpreter", c.interpreter_needed ? "Needs an interpreter" : "No interpreter needed"],
    ["Phone", c.phone || "—"],
    ["E-mail", c.email || "—"],
    ["Address", c.address || "—"],
    ["Last arrival in the United States", fmtDate(c.last_arrival_on)],
    ["Place of arrival", c.arrival_place || "—"],
    ["Manner of entry", c.manner_of_entry ? words(MANNERS, c.manner_of_entry) : "Not known"],
  ];
  return h(
    "dl",
    { id: "client-facts", class: "facts" },
    rows.map(([k, v]) => h("div", null, h("dt", null, k), h("dd", null, v))),
  );
}
