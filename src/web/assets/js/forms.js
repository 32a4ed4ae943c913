// Form building and submission: labelled fields, field errors next to their inputs
// (`<form-id>-<field>-error`), a form-level alert, typed values kept on failure, busy state.

import { h } from "./dom.js";
import { ApiError } from "./api.js";

/** @typedef {{type?: string, required?: boolean, value?: string | number | null, autocomplete?: string, hint?: string, attrs?: Record<string, string | number | boolean | null | undefined>}} FieldOpts */

/** A failure found before any call (e.g. passwords that differ). */
export class FieldErrors extends Error {
  /** @param {{field: string, message: string}[]} errors */
  constructor(errors) {
    super(errors.map((e) => e.message).join(" "));
    this.errors = errors;
  }
}

/** @param {string} formId @param {string} name */
const inputId = (formId, name) => `${formId}-${name}`;

/** @param {string} formId @param {string} name */
function errorSlot(formId, name) {
  return h("p", { class: "field-error", id: `${inputId(formId, name)}-error`, hidden: true });
}

/**
 * A labelled `<input>` with its error slot.
 * @param {string} formId
 * @param {string} name the API field name
 * @param {string} label
 * @param {FieldOpts} [opts]
 */
export function field(formId, name, label, opts = {}) {
  const id = inputId(formId, name);
  const input = h("input", {
    id,
    name,
    type: opts.type || "text",
    required: opts.required || null,
    autocomplete: opts.autocomplete || null,
    "aria-describedby": opts.hint ? `${id}-hint` : null,
    ...(opts.attrs || {}),
  });
  if (opts.value !== undefined && opts.value !== null) input.value = String(opts.value);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    opts.hint ? h("p", { class: "hint", id: `${id}-hint` }, opts.hint) : null,
    input,
    errorSlot(formId, name),
  );
}

/**
 * A labelled `<textarea>`.
 * @param {string} formId @param {string} name @param {string} label @param {FieldOpts} [opts]
 */
export function textarea(formId, name, label, opts = {}) {
  const id = inputId(formId, name);
  const el = h("textarea", { id, name, rows: 3, required: opts.required || null, ...(opts.attrs || {}) });
  if (opts.value !== undefined && opts.value !== null) el.value = String(opts.value);
  return h("div", { class: "field" }, h("label", { for: id }, label), el, errorSlot(formId, name));
}

/**
 * A labelled `<select>`; options are [value, text] pairs.
 * @param {string} formId @param {string} name @param {string} label
 * @param {[string, string][]} options
 * @param {string | null} [value]
 * @param {FieldOpts} [opts]
 */
export function select(formId, name, label, options, value, opts = {}) {
  const id = inputId(formId, name);
  const el = h(
    "select",
    { id, name, required: opts.required || null, ...(opts.attrs || {}) },
    options.map(([v, text]) => h("option", { value: v }, text)),
  );
  if (value !== undefined && value !== null) el.value = value;
  return h("div", { class: "field" }, h("label", { for: id }, label), el, errorSlot(formId, name));
}

/**
 * A checkbox with its label after it.
 * @param {string} formId @param {string} name @param {string} label @param {boolean} [checked]
 */
export function checkbox(formId, name, label, checked) {
  const id = inputId(formId, name);
  const el = h("input", { id, name, type: "checkbox" });
  el.checked = Boolean(checked);
  return h("div", { class: "field checkbox" }, el, h("label", { for: id }, label), errorSlot(formId, name));
}

/** @param {Record<string, string>} table @returns {[string, string][]} */
export function optionsOf(table) {
  return Object.entries(table);
}

/**
 * The form's values by input name: checkboxes as booleans, everything else as text.
 * @param {HTMLFormElement} form
 * @returns {Record<string, any>}
 */
export function values(form) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const el of Array.from(form.elements)) {
    if (el instanceof HTMLInputElement) {
      if (!el.name) continue;
      out[el.name] = el.type === "checkbox" ? el.checked : el.value;
    } else if (el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) {
      if (el.name) out[el.name] = el.value;
    }
  }
  return out;
}

/**
 * Trimmed text, or `empty` (undefined: leave it out; null: clear it) when blank.
 * @param {unknown} v
 * @param {null | undefined} [empty]
 */
export function text(v, empty) {
  const s = typeof v === "string" ? v.trim() : "";
  return s === "" ? empty : s;
}

/**
 * Builds a form: the fields, a form-level alert, a status line and the submit button. On submit
 * it clears old errors, marks itself busy and awaits `onSubmit(values, form)`; an ApiError or
 * FieldErrors is shown by the fields it names, or as the form's alert. Values stay as typed.
 * @param {string} id
 * @param {(Node | null | false)[]} fields
 * @param {string} submitText
 * @param {(v: Record<string, any>, form: HTMLFormElement) => Promise<string | void>} onSubmit
 *   returns a success text to show in the form's status line, if any
 * @param {{extraButtons?: Node[], errorText?: (e: ApiError) => string | null, className?: string}} [opts]
 */
export function form(id, fields, submitText, onSubmit, opts = {}) {
  const alert = h("p", { class: "form-error", role: "alert", id: `${id}-error` });
  const status = h("p", { class: "form-status", role: "status", id: `${id}-status` });
  const button = h("button", { type: "submit" }, submitText);
  const el = h(
    "form",
    { id, class: opts.className || null, novalidate: true },
    alert,
    fields,
    h("div", { class: "actions" }, button, opts.extraButtons || []),
    status,
  );
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (el.getAttribute("aria-busy") === "true") return;
    clearErrors(el);
    status.textContent = "";
    el.setAttribute("aria-busy", "true");
    button.disabled = true;
    try {
      const done = await onSubmit(values(el), el);
      if (done && el.isConnected) status.textContent = done;
    } catch (e) {
      showError(el, e, opts.errorText);
    } finally {
      el.removeAttribute("aria-busy");
      button.disabled = false;
    }
  });
  return el;
}

/** @param {HTMLFormElement} formEl */
export function clearErrors(formEl) {
  for (const p of Array.from(formEl.querySelectorAll("p.field-error"))) {
    p.textContent = "";
    /** @type {HTMLElement} */ (p).hidden = true;
  }
  for (const input of Array.from(formEl.querySelectorAll("[aria-invalid]"))) {
    input.removeAttribute("aria-invalid");
    const hint = input.id ? `${input.id}-hint` : "";
    if (hint && formEl.querySelector(`#${CSS.escape(hint)}`)) input.setAttribute("aria-describedby", hint);
    else input.removeAttribute("aria-describedby");
  }
  const alert = formEl.querySelector("p.form-error");
  if (alert) alert.textContent = "";
}

/**
 * @param {HTMLFormElement} formEl
 * @param {unknown} e
 * @param {(e: ApiError) => string | null} [errorText]
 */
export function showError(formEl, e, errorText) {
  const alert = /** @type {HTMLElement} */ (formEl.querySelector("p.form-error"));
  /** @type {{field: string, message: string}[]} */
  let errors = [];
  let detail = "Something went wrong. Please try again.";
  if (e instanceof FieldErrors) {
    errors = e.errors;
    detail = "";
  } else if (e instanceof ApiError) {
    errors = e.problem.errors || [];
    detail = (errorText && errorText(e)) || e.problem.detail || e.message;
  } else if (e instanceof TypeError) {
    detail = "The server cannot be reached. Check the connection and try again.";
  }
  const unplaced = [];
  let first = null;
  for (const err of errors) {
    const name = String(err.field || "").split(/[.[]/)[0];
    const input = name ? formEl.querySelector(`[name="${CSS.escape(name)}"]`) : null;
    const slot = input ? formEl.querySelector(`#${CSS.escape(`${input.id}-error`)}`) : null;
    if (input && slot) {
      const p = /** @type {HTMLElement} */ (slot);
      p.textContent = p.textContent ? `${p.textContent} ${err.message}` : err.message;
      p.hidden = false;
      input.setAttribute("aria-invalid", "true");
      const hint = `${input.id}-hint`;
      const describedBy = formEl.querySelector(`#${CSS.escape(hint)}`) ? `${p.id} ${hint}` : p.id;
      input.setAttribute("aria-describedby", describedBy);
      first = first || input;
    } else {
      unplaced.push(err.field ? `${err.field}: ${err.message}` : err.message);
    }
  }
  if (!errors.length) alert.textContent = detail;
  else if (unplaced.length) alert.textContent = unplaced.join(" ");
  else alert.textContent = detail;
  if (first instanceof HTMLElement) first.focus();
}

/** @param {() => void} onClick */
export function cancelButton(onClick) {
  const b = h("button", { type: "button", class: "secondary" }, "Cancel");
  b.addEventListener("click", onClick);
  return b;
}

