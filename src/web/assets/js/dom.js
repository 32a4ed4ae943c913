// A tiny element builder. Text always goes in through text nodes, never as markup.

/** @typedef {string | number | Node | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((ev: any) => void)>} Attrs */

/**
 * Builds an element. Attributes: `class`, `for`, any `data-*`/`aria-*`, boolean attributes
 * (`true` sets, `false`/null/undefined omits), and `on<event>` functions as listeners.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (typeof value === "function") {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (value === true) {
        el.setAttribute(key, "");
      } else if (key === "value" && "value" in el) {
        /** @type {any} */ (el).value = String(value);
        el.setAttribute("value", String(value));
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

/**
 * Appends children (nested arrays allowed); strings and numbers become text nodes.
 * @param {Element | DocumentFragment} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat(2)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * Removes every child, then appends the given ones.
 * @param {Element} parent
 * @param {...(Child | Child[])} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A `<span lang>` for a name in its own script, so that screen readers and fonts pick it up.
 * @param {string} text
 * @param {string[]} [languages] the client's languages (BCP 47), used when the script says nothing
 */
export function nativeName(text, languages) {
  const lang = guessLang(text, languages);
  return h("span", { class: "native-name", lang: lang || null }, text);
}

/**
 * @param {string} text
 * @param {string[]} [languages]
 * @returns {string}
 */
function guessLang(text, languages) {
  /** @type {[RegExp, string][]} */
  const scripts = [
    [/[\u3040-\u30ff]/, "ja"],
    [/[\uac00-\ud7af\u1100-\u11ff]/, "ko"],
    [/[\u3400-\u9fff\uf900-\ufaff]/, "zh"],
    [/[\u0600-\u06ff]/, "ar"],
    [/[\u0400-\u04ff]/, "ru"],
    [/[\u0900-\u097f]/, "hi"],
    [/[\u0e00-\u0e7f]/, "th"],
    [/[\u1200-\u137f]/, "am"],
    [/[\u0590-\u05ff]/, "he"],
    [/[\u0370-\u03ff]/, "el"],
    [/[\u10a0-\u10ff]/, "ka"],
    [/[\u0530-\u058f]/, "hy"],
  ];
  for (const [re, lang] of scripts) if (re.test(text)) return lang;
  const first = (languages || [])[0] || "";
  const primary = first.split("-")[0].toLowerCase();
  return /^[a-z]{2}$/.test(primary) ? primary : "";
}
