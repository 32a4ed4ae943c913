// The client form, used to create a client and to edit one.

import { h } from "./dom.js";
import { api, seg } from "./api.js";
import { MANNERS, today } from "./format.js";
import { checkbox, field, form, select, text, textarea } from "./forms.js";

const ID = "client-form";

/**
 * What the A-number will be saved as, or why it will not.
 * @param {string} raw
 */
export function aNumberFeedback(raw) {
  const digits = raw.replace(/[Aa\s.-]/g, "");
  if (raw.trim() === "") return "";
  if (/^\d{8,9}$/.test(digits) && !/^0+$/.test(digits)) return `Will be saved as A${digits.padStart(9, "0")}`;
  return "An A-number has 8 or 9 digits.";
}

/**
 * @param {any | null} client the client to edit, or null for a new one
 * @param {(saved: any) => void} done
 * @param {() => void} [cancel]
 */
export function clientForm(client, done, cancel) {
  const c = client || {};
  const feedback = h("p", { id: "a-number-feedback", class: "hint", "aria-live": "polite" });
  const aNumber = field(ID, "a_number", "A-number", { value: c.a_number, autocomplete: "off", attrs: { inputmode: "text", spellcheck: "false" } });
  const aInput = /** @type {HTMLInputElement} */ (aNumber.querySelector("input"));
  aInput.setAttribute("aria-describedby", "a-number-feedback");
  aNumber.insertBefore(feedback, aInput.nextSibling);
  const update = () => {
    feedback.textContent = aNumberFeedback(aInput.value);
  };
  aInput.addEventListener("input", update);
  /** @type {[string, string][]} */
  const manners = [["", "Not known"], ...Object.entries(MANNERS)];
  const cancelButton = cancel ? h("button", { type: "button", class: "secondary" }, "Cancel") : null;
  if (cancelButton && cancel) cancelButton.addEventListener("click", cancel);
  const el = form(
    ID,
    [
      h(
        "fieldset",
        null,
        h("legend", null, "Name"),
        field(ID, "given_name", "Given name", { value: c.given_name, required: true, autocomplete: "off" }),
        field(ID, "family_name", "Family name", { value: c.family_name, required: true, autocomplete: "off" }),
        field(ID, "native_name", "Name in native script", { value: c.native_name, autocomplete: "off" }),
      ),
      h(
        "fieldset",
        null,
        h("legend", null, "Identity"),
        aNumber,
        field(ID, "date_of_birth", "Date of birth", { type: "date", value: c.date_of_birth, attrs: { max: today() } }),
        field(ID, "nationality", "Nationality (2-letter code)", {
          value: c.nationality,
          attrs: { maxlength: 2, autocapitalize: "characters", size: 4 },
        }),
        field(ID, "languages", "Languages, comma-separated", {
          value: (c.languages || []).join(", "),
          hint: "Language codes such as es, cmn, yue.",
        }),
        checkbox(ID, "interpreter_needed", "Needs an interpreter", c.interpreter_needed),
      ),
      h(
        "fieldset",
        null,
        h("legend", null, "Contact"),
        field(ID, "phone", "Phone", { type: "tel", value: c.phone, autocomplete: "off" }),
        field(ID, "email", "E-mail", { type: "email", value: c.email, autocomplete: "off" }),
        textarea(ID, "address", "Address", { value: c.address }),
      ),
      h(
        "fieldset",
        null,
        h("legend", null, "Arrival"),
        field(ID, "last_arrival_on", "Last arrival in the United States", {
          type: "date",
          required: true,
          value: c.last_arrival_on,
          attrs: { max: today() },
        }),
        field(ID, "arrival_place", "Place of arrival", { value: c.arrival_place }),
        select(ID, "manner_of_entry", "Manner of entry", manners, c.manner_of_entry || ""),
      ),
    ],
    client ? "Save client" : "Create client",
    async (v) => {
      const clear = client ? null : undefined;
      /** @type {Record<string, unknown>} */
      const body = {
        given_name: text(v.given_name, null) ?? "",
        family_name: text(v.family_name, null) ?? "",
        native_name: text(v.native_name, clear),
        a_number: text(v.a_number, clear),
        date_of_birth: text(v.date_of_birth, clear),
        nationality: text(v.nationality, clear)?.toUpperCase() ?? (client ? null : undefined),
        languages: String(v.languages)
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        interpreter_needed: Boolean(v.interpreter_needed),
        phone: text(v.phone, clear),
        email: text(v.email, clear),
        address: text(v.address, clear),
        last_arrival_on: text(v.last_arrival_on, null) ?? "",
        arrival_place: text(v.arrival_place, clear),
        manner_of_entry: text(v.manner_of_entry, clear),
      };
      for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
      const saved = client
        ? await api("PATCH", `/clients/${seg(client.id)}`, body)
        : await api("POST", "/clients", body);
      done(saved);
    },
    { extraButtons: cancelButton ? [cancelButton] : [] },
  );
  update();
  return el;
}
