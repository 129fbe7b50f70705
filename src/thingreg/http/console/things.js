// The things list: search (free text, identifier, scheme, and the type/owner/visibility
// filters where the server offers them), paging, and live updates from the event stream.

import { getJSON, optionalJSON, serverFeatures, thingPath } from "./api.js";
import { announce, clear, h, number, replaceChildren, throttle, time } from "./dom.js";
import { liveEvents } from "./events.js";

const PAGE_SIZES = [25, 50, 100];
const OPTIONAL_FILTERS = [
  ["type", "Type (e.g. saref:Sensor)"],
  ["owner", "Owner"],
  ["visibility", "Visibility"],
];

export function thingLink(id, text) {
  return h("a", { href: "#/thing/" + encodeURIComponent(id) }, text ?? id);
}

function types(td) {
  const value = td["@type"];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function queryOf(params) {
  const query = {
    q: params.get("q") ?? "",
    match: ["identifier", "jsonpath"].includes(params.get("match")) ? params.get("match") : "text",
    scheme: params.get("scheme") ?? "",
    offset: Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0),
    limit: PAGE_SIZES.includes(Number(params.get("limit"))) ? Number(params.get("limit")) : PAGE_SIZES[0],
  };
  for (const [name] of OPTIONAL_FILTERS) query[name] = params.get(name) ?? "";
  return query;
}

const MATCH = [
  ["text", "words in title or id"],
  ["identifier", "an identifier"],
  ["jsonpath", "a JSONPath query"],
];

/** One page of a JSONPath search: the whole answer is fetched, then paged here. */
async function searchPage(query) {
  const found = await getJSON("/search/jsonpath?" + new URLSearchParams({ query: query.q }));
  const tds = found.filter((value) => value && typeof value === "object" && typeof value.id === "string");
  return { total: tds.length, members: tds.slice(query.offset, query.offset + query.limit), others: found.length - tds.length };
}

function listingUrl(query, features) {
  const params = new URLSearchParams({ format: "collection", offset: query.offset, limit: query.limit });
  if (query.q) params.set(query.match === "identifier" ? "alias" : "q", query.q);
  if (query.scheme) params.set("scheme", query.scheme);
  for (const [name] of OPTIONAL_FILTERS) {
    if (query[name] && features.listParams.has(name)) params.set(name, query[name]);
  }
  return "/things?" + params;
}

function hashFor(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === "" || (key === "offset" && value === 0) || (key === "limit" && value === PAGE_SIZES[0]) || (key === "match" && value === "text")) continue;
    params.set(key, value);
  }
  const text = params.toString();
  return "#/things" + (text ? "?" + text : "");
}

function field(id, label, control, hint) {
  control.id = id;
  return h("div", { class: "field" },
    h("label", { for: id }, label), control,
    hint ? h("p", { class: "hint", id: id + "-hint" }, hint) : null);
}

function select(name, value, options) {
  return h("select", { name }, options.map(([optionValue, text]) =>
    h("option", { value: optionValue, selected: optionValue === value }, text)));
}

export async function render(main, { params }) {
  const query = queryOf(params);
  const features = await serverFeatures();
  // The scheme choices come from /stats, which the list does not wait for.
  const schemeSelect = select("scheme", query.scheme, [["", "any"], ...(query.scheme ? [[query.scheme, query.scheme]] : [])]);
  if (features.stats) {
    optionalJSON("/stats").then((stats) => {
      for (const { scheme } of stats?.schemes ?? []) {
        if (scheme !== query.scheme) schemeSelect.append(h("option", { value: scheme }, scheme));
      }
    }).catch(() => {});
  }
  const search = h("input", { type: "search", name: "q", value: query.q, "aria-describedby": "search-q-hint", autocomplete: "off" });
  const form = h(
    "form",
    { role: "search", "aria-label": "Things", class: "filters", onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const next = { ...query, offset: 0 };
      for (const key of ["q", "match", "scheme", "limit", ...OPTIONAL_FILTERS.map(([name]) => name)]) {
        if (data.has(key)) next[key] = key === "limit" ? Number(data.get(key)) : String(data.get(key)).trim();
      }
      location.hash = hashFor(next);
    } },
    field("search-q", "Search", search, "Words in titles and ids, an identifier in any notation (IMEI, MAC, GTIN…), or a JSONPath query such as $[?search(@.description, 'kitchen')]."),
    field("search-match", "Match", select("match", query.match, MATCH)),
    field("search-scheme", "Identifier scheme", schemeSelect),
    OPTIONAL_FILTERS.filter(([name]) => features.listParams.has(name)).map(([name, label]) =>
      field(`search-${name}`, label, h("input", { name, value: query[name], autocomplete: "off" }))),
    field("search-limit", "Per page", select("limit", String(query.limit), PAGE_SIZES.map((n) => [String(n), String(n)]))),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Search"),
      h("a", { href: "#/things", class: "button" }, "Clear")),
  );

  const summary = h("p", { class: "summary", id: "things-summary" });
  const table = h("table", { class: "things", "aria-describedby": "things-summary" });
  const pager = h("nav", { "aria-label": "Pages", class: "pager" });
  const activity = h("ol", { class: "activity", "aria-label": "Recent changes" });
  const heading = h("h1", { tabindex: "-1" }, "Things");
  main.append(
    heading,
    form,
    h("div", { class: "results", "aria-live": "off" }, summary, h("div", { class: "table-wrap" }, table), pager),
    h("aside", { class: "card activity-box", "aria-labelledby": "activity-title" },
      h("h2", { id: "activity-title" }, "Live activity"),
      h("p", { class: "hint" }, "Changes made anywhere appear here and in the list as they happen."),
      activity),
  );

  let changed = new Map();
  let onPage = new Set();

  async function load() {
    table.setAttribute("aria-busy", "true");
    const started = performance.now();
    let page;
    try {
      page = query.match === "jsonpath" && query.q
        ? await searchPage(query)
        : await getJSON(listingUrl(query, features));
    } catch (error) {
      table.removeAttribute("aria-busy");
      clear(table);
      summary.textContent = `The search failed: ${error.message}`;
      summary.className = "summary error";
      return;
    }
    const elapsed = Math.round(performance.now() - started);
    main.dataset.loadMs = String(elapsed);
    fillTable(page.members ?? []);
    table.removeAttribute("aria-busy");
    const total = page.total ?? 0;
    const first = total === 0 ? 0 : query.offset + 1;
    const last = query.offset + (page.members?.length ?? 0);
    summary.className = "summary";
    summary.textContent = total === 0
      ? "No things match."
      : `Things ${number(first)}–${number(last)} of ${number(total)}, sorted by id (answered in ${elapsed} ms).`;
    if (page.others) summary.textContent += ` The query also selected ${number(page.others)} values that are not TDs.`;
    fillPager(total);
  }

  function fillTable(members) {
    onPage = new Set(members.map((td) => td.id));
    replaceChildren(table,
      h("caption", { class: "visually-hidden" }, "Things"),
      h("thead", {}, h("tr", {},
        ["Title", "Id", "Type", "Identifiers", "Modified", "Expires"].map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, members.map((td) => {
        const registration = td.registration ?? {};
        const row = h("tr", { dataset: { id: td.id } },
          h("th", { scope: "row" }, thingLink(td.id, td.title || td.id)),
          h("td", {}, h("code", {}, td.id)),
          h("td", {}, types(td).map((type) => h("span", { class: "tag" }, type))),
          h("td", { class: "num" }, number(1 + (td.identifiers?.length ?? 0))),
          h("td", {}, time(registration.modified)),
          h("td", {}, registration.expires ? time(registration.expires) : "never"),
        );
        if (changed.has(td.id)) row.classList.add("flash");
        return row;
      })),
    );
    changed = new Map();
  }

  function go(offset) {
    location.hash = hashFor({ ...query, offset });
  }

  function fillPager(total) {
    const pages = Math.max(1, Math.ceil(total / query.limit));
    const current = Math.floor(query.offset / query.limit) + 1;
    const button = (text, offset, disabled, label) =>
      h("button", { type: "button", disabled, "aria-label": label, onclick: () => go(offset) }, text);
    replaceChildren(pager,
      button("« First", 0, current === 1, "First page"),
      button("‹ Previous", Math.max(0, query.offset - query.limit), current === 1, "Previous page"),
      h("span", { class: "page-of", "aria-current": "page" }, `Page ${number(current)} of ${number(pages)}`),
      button("Next ›", query.offset + query.limit, current >= pages, "Next page"),
      button("Last »", (pages - 1) * query.limit, current >= pages, "Last page"),
    );
  }

  const refresh = throttle(load, 1000);
  const verbs = { thing_created: "registered", thing_updated: "updated", thing_deleted: "deleted" };
  const unsubscribe = liveEvents.subscribe((event) => {
    const verb = verbs[event.type];
    activity.prepend(h("li", { class: event.type },
      event.type === "thing_deleted" ? h("code", {}, event.id) : thingLink(event.id),
      ` ${verb} `, time(new Date().toISOString())));
    while (activity.children.length > 8) activity.lastElementChild.remove();
    announce(`Thing ${event.id} ${verb}.`);
    if (event.type !== "thing_updated" || onPage.has(event.id)) {
      changed.set(event.id, event.type);
      refresh();
    }
  });

  await load();
  return unsubscribe;
}
