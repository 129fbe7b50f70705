// One thing: its registration, identifiers and their schemes, credentials, audit trail (when
// the server keeps one) and its TD as a collapsible tree; it follows live changes.

import { ApiError, auditTrail, getJSON, optionalJSON, thingPath } from "./api.js";
import { announce, h, number, replaceChildren, time } from "./dom.js";
import { liveEvents } from "./events.js";
import { tdTree } from "./tdview.js";

function section(id, title, ...content) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

function definitions(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, value]) => value !== undefined).map(([term, value]) =>
    [h("dt", {}, term), h("dd", {}, value)]));
}

function table(caption, head, rows, empty) {
  if (rows.length === 0) return h("p", { class: "hint" }, empty);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, head.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) =>
      i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))));
}

async function identifierRows(td) {
  const values = [td.id, ...(td.identifiers ?? [])].filter((value) => typeof value === "string");
  const analyses = await Promise.all(values.map((value) =>
    optionalJSON("/ids/" + encodeURIComponent(value)).catch(() => null)));
  return values.map((value, i) => {
    const reading = analyses[i]?.readings?.[0];
    return [
      h("code", {}, value),
      reading ? h("span", { class: "tag" }, reading.scheme) : "—",
      reading ? h("code", {}, reading.canonical) : "not recognised",
      reading?.notation ?? "—",
      i === 0 ? "the thing's id" : "listed in the TD",
    ];
  });
}

function stateBadge(state) {
  return h("span", { class: `badge state-${state}` }, state);
}

function credentialRows(credentials) {
  return credentials.map((credential) => [
    credential.label || h("code", {}, credential.id),
    credential.type === "x509" ? "X.509 certificate" : "public key",
    credential.alg,
    stateBadge(credential.state),
    credential.notBefore ? time(credential.notBefore) : "—",
    credential.notAfter ? time(credential.notAfter) : "—",
    time(credential.created),
  ]);
}

function auditRows(entries) {
  const list = Array.isArray(entries) ? entries : (entries.entries ?? entries.members ?? entries.items ?? []);
  return list.map((entry) => [
    time(entry.time ?? entry.at ?? entry.timestamp),
    entry.action ?? entry.type ?? entry.event ?? "—",
    entry.actor ?? entry.owner ?? entry.key ?? entry.subject ?? "—",
    h("code", {}, JSON.stringify(entry.detail ?? entry.details ?? entry.diff ?? "")),
  ]);
}

export async function render(main, { rest }) {
  const id = decodeURIComponent(rest);
  const notice = h("div", { class: "notice", role: "status" });
  const body = h("div", { class: "thing-body" });
  const heading = h("h1", { tabindex: "-1" }, id);
  main.append(
    h("p", { class: "crumbs" }, h("a", { href: "#/things" }, "‹ All things")),
    heading, notice, body,
  );

  async function load() {
    let td;
    try {
      td = await getJSON(thingPath(id), { accept: "application/td+json" });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        heading.textContent = "Thing not found";
        replaceChildren(body, h("p", {}, "There is no thing with the id ", h("code", {}, id), "."));
        return;
      }
      throw error;
    }
    heading.textContent = td.title || id;
    const [identifiers, credentials, audit] = await Promise.all([
      identifierRows(td),
      optionalJSON(thingPath(id) + "/credentials").catch(() => null),
      auditTrail(id).catch(() => null),
    ]);
    const registration = td.registration ?? {};
    const typeList = td["@type"] === undefined ? [] : [td["@type"]].flat();
    replaceChildren(body,
      h("p", { class: "thing-id" }, "Id ", h("code", {}, id)),
      td.description ? h("p", { class: "description" }, td.description) : null,
      section("registration-title", "Registration", definitions([
          ["Type", typeList.length ? typeList.map((type) => h("span", { class: "tag" }, type)) : "—"],
          ["Registered", time(registration.created)],
          ["Modified", time(registration.modified)],
          ["Expires", registration.expires ? time(registration.expires) : "never"],
          ["Time to live", registration.ttl !== undefined ? `${number(registration.ttl)} s` : undefined],
          ["Retrieved", time(registration.retrieved)],
        ])),
      section("identifiers-title", "Identifiers",
        table("Identifiers", ["Identifier", "Scheme", "Canonical form", "Notation", "Source"], identifiers, "No identifiers.")),
      section("credentials-title", "Credentials",
          credentials === null
            ? h("p", { class: "hint" }, "This server keeps no credentials.")
            : table("Credentials", ["Credential", "Kind", "Algorithm", "State", "Valid from", "Valid until", "Added"],
              credentialRows(credentials), "No key or certificate is bound to this thing.")),
      audit === null ? null : section("audit-title", "Audit trail",
        table("Audit trail", ["Time", "Action", "By", "Detail"], auditRows(audit), "Nothing recorded yet.")),
      section("td-title", "Thing Description",
        h("p", {}, h("a", { href: thingPath(id) }, "Open the TD as JSON")),
        tdTree(td)),
    );
  }

  const unsubscribe = liveEvents.subscribe(async (event) => {
    if (event.id !== id) return;
    if (event.type === "thing_deleted") {
      notice.textContent = "This thing has just been deleted.";
      notice.className = "notice warning";
      announce("This thing has just been deleted.");
      return;
    }
    await load();
    notice.className = "notice";
    notice.textContent = `Updated live at ${new Date().toLocaleTimeString("en-GB")}.`;
    announce("This thing was updated; the page shows the new version.");
  });

  await load();
  return unsubscribe;
}
