// The client list with search as you type, and the new-client page.

import { h, nativeName, replace } from "../dom.js";
import { api, getAll, seg } from "../api.js";
import { fullName } from "../format.js";
import { clientForm } from "../client-form.js";
import { field } from "../forms.js";
import { navigate } from "../router.js";

export async function clientsPage() {
  const results = h("ul", { id: "client-results", class: "cards" });
  const note = h("p", { class: "empty", role: "status" });
  const searchField = field("client-search", "q", "Search by name, native name or A-number", {
    type: "search",
    autocomplete: "off",
  });
  const input = /** @type {HTMLInputElement} */ (searchField.querySelector("input"));
  const searchForm = h("form", { id: "client-search", role: "search" }, searchField);
  let seq = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;

  const run = async () => {
    const mine = ++seq;
    const q = input.value.trim();
    try {
      const items = q ? (await api("POST", "/clients/search", { q, limit: 200 })).items : await getAll("/clients");
      if (mine !== seq) return;
      show(items, q);
    } catch (e) {
      if (mine !== seq) return;
      replace(results);
      note.textContent = e instanceof Error ? e.message : "The search failed.";
    }
  };
  /** @param {any[]} items @param {string} q */
  const show = (items, q) => {
    replace(
      results,
      items.map((c) =>
        h(
          "li",
          { class: "card client", "data-id": c.id },
          h("a", { href: `/clients/${seg(c.id)}` }, fullName(c)),
          c.native_name ? [" ", nativeName(c.native_name, c.languages)] : null,
          c.archived ? h("span", { class: "badge" }, " archived") : null,
        ),
      ),
    );
    note.textContent = items.length ? "" : q ? "No client matches." : "No clients yet.";
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  searchForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    run();
  });
  const first = await getAll("/clients");
  show(first, "");
  return h(
    "div",
    null,
    h("h1", null, "Clients"),
    h("p", null, h("a", { href: "/clients/new", class: "button" }, "New client")),
    searchForm,
    note,
    results,
  );
}

export function newClientPage() {
  return h(
    "div",
    null,
    h("h1", null, "New client"),
    clientForm(null, (saved) => navigate(`/clients/${seg(saved.id)}`)),
  );
}
