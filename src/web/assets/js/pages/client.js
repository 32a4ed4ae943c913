// One client: facts, editing, their cases and opening a new case; for admins, erasing them.

import { h, nativeName, replace } from "../dom.js";
import { api, get, getAll, isAdmin, seg } from "../api.js";
import { CASE_KINDS, ERASURE_REASONS, MANNERS, caseStatusWords, fmtDate, fullName, words } from "../format.js";
import { clientForm } from "../client-form.js";
import { detainedBadge } from "./case-custody.js";
import { FieldErrors, cancelButton, field, form, optionsOf, select } from "../forms.js";
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
  const erased = () => {
    replace(
      root,
      h("h1", null, "Client erased"),
      h("p", { class: "notice ok", id: "client-erased" }, "The client, their cases and everything recorded about them were erased."),
      h("p", null, h("a", { href: "/clients" }, "Back to clients")),
    );
    focusHeading();
  };
  const draw = (/** @type {any} */ c) => {
    replace(root, ...content(c, cases, courts, draw), isAdmin() ? erasure(c, cases, erased) : null);
  };
  draw(client);
  return root;
}

/**
 * An admin's "Erase this client": what it removes, closed while a case is open (its deadlines
 * are still followed), and a confirmation step (a reason, and ERASE typed) before the call.
 * @param {any} c @param {any[]} cases @param {() => void} done
 */
function erasure(c, cases, done) {
  const open = cases.filter((k) => k.status !== "closed").length;
  const box = h("section", { id: "erase-client", "aria-labelledby": "erase-client-heading" });
  const heading = h("h2", { id: "erase-client-heading" }, "Erase this client");
  const explain = h(
    "p",
    { id: "erase-client-explain" },
    "Erasing removes this client's personal data everywhere: the client, their cases with every fact, deadline, hearing, " +
      "family member, note and task, their reminders and calendar entries, and what the audit log recorded about them " +
      "(it keeps who erased which client, when and why, by id). It cannot be undone. Backups made before still hold the data.",
  );
  const start = h("button", { type: "button", class: "danger", id: "erase-client-start", disabled: open > 0, "aria-describedby": "erase-client-explain" }, "Erase this client");
  const offer = () => {
    replace(
      box,
      heading,
      explain,
      open > 0 ? h("p", { class: "notice", id: "erase-client-open" }, `Close every case first: ${open} ${open === 1 ? "is" : "are"} still open.`) : null,
      h("p", null, start),
    );
  };
  start.addEventListener("click", () => {
    const id = "erase-form";
    const f = form(
      id,
      [
        select(id, "reason", "Reason", [["", "Choose a reason"], ...optionsOf(ERASURE_REASONS)], "", { required: true }),
        field(id, "confirm", "Type ERASE to confirm", { required: true, autocomplete: "off", hint: "This cannot be undone." }),
      ],
      "Erase permanently",
      async (v) => {
        /** @type {{field: string, message: string}[]} */
        const errors = [];
        if (!v.reason) errors.push({ field: "reason", message: "Choose a reason." });
        if (String(v.confirm).trim() !== "ERASE") errors.push({ field: "confirm", message: "Type ERASE, in capitals, to confirm." });
        if (errors.length) throw new FieldErrors(errors);
        await api("POST", `/clients/${seg(c.id)}/erasure`, { reason: v.reason });
        done();
      },
      {
        extraButtons: [
          cancelButton(() => {
            offer();
            start.focus();
          }),
        ],
      },
    );
    f.querySelector('button[type="submit"]')?.classList.add("danger");
    replace(box, heading, explain, f);
    const first = f.querySelector("select");
    if (first) first.focus();
  });
  offer();
  return box;
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
