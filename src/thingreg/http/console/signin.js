// Sign in with an API key; it is kept in sessionStorage (this tab only, gone when it closes).

import { checkKey, session } from "./api.js";
import { h } from "./dom.js";

export function render(main, { next }) {
  const error = h("p", { id: "sign-in-error", class: "error", role: "alert" });
  const input = h("input", {
    id: "api-key", name: "key", type: "password", autocomplete: "off", spellcheck: "false",
    "aria-describedby": "api-key-hint sign-in-error", required: true,
  });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");

  async function signIn(key) {
    error.textContent = "";
    submit.disabled = true;
    try {
      if (!(await checkKey(key))) {
        error.textContent = "This API key was not accepted. Check it and try again.";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      session.signIn(key);
      location.hash = next || "#/things";
    } catch (failure) {
      error.textContent = `The registry could not be reached: ${failure.message}`;
    } finally {
      submit.disabled = false;
    }
  }

  const form = h(
    "form",
    { class: "card sign-in", onsubmit: (event) => { event.preventDefault(); signIn(input.value.trim()); } },
    h("h1", { tabindex: "-1" }, "Sign in"),
    h("p", {}, "The console works with the registry's API. Sign in with an API key to make changes, or browse read-only."),
    h("div", { class: "field" },
      h("label", { for: "api-key" }, "API key"),
      input,
      h("p", { id: "api-key-hint", class: "hint" }, "Kept in this browser tab only, and sent to this registry as a bearer token.")),
    error,
    h("div", { class: "actions" },
      submit,
      h("button", { type: "button", onclick: () => { session.signIn(""); location.hash = next || "#/things"; } }, "Browse read-only")),
  );
  main.append(form);
  input.focus();
}
