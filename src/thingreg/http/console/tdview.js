// A Thing Description as a collapsible tree: <details> elements, so every level opens and
// closes with the keyboard (Enter/Space on its summary) and screen readers announce the state.

import { h } from "./dom.js";

function scalar(value) {
  if (value === null) return h("span", { class: "j-null" }, "null");
  switch (typeof value) {
    case "string": return h("span", { class: "j-string" }, JSON.stringify(value));
    case "number": return h("span", { class: "j-number" }, String(value));
    case "boolean": return h("span", { class: "j-bool" }, String(value));
    default: return h("span", {}, String(value));
  }
}

function node(key, value, depth) {
  const label = key === null ? null : h("span", { class: "j-key" }, JSON.stringify(key), ": ");
  if (value === null || typeof value !== "object") {
    return h("li", {}, label, scalar(value));
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) return h("li", {}, label, h("span", { class: "j-punct" }, open + close));
  const count = `${entries.length} ${isArray ? (entries.length === 1 ? "item" : "items") : (entries.length === 1 ? "member" : "members")}`;
  return h(
    "li",
    {},
    h(
      "details",
      { open: depth < 2 },
      h("summary", {}, label, h("span", { class: "j-punct" }, open), h("span", { class: "j-count" }, ` ${count} `), h("span", { class: "j-punct" }, close)),
      h("ul", {}, entries.map(([k, v]) => node(isArray ? null : k, v, depth + 1))),
    ),
  );
}

export function tdTree(td) {
  const tree = h("ul", { class: "json-tree" }, node(null, td, 0));
  const setAll = (open) => () => tree.querySelectorAll("details").forEach((d) => { d.open = open; });
  return h(
    "div",
    { class: "td-view" },
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "button", onclick: setAll(true) }, "Expand all"),
      h("button", { type: "button", onclick: setAll(false) }, "Collapse all"),
    ),
    tree,
  );
}
