// Drive a thingreg directory with Eclipse Thingweb node-wot, a real W3C WoT Consumer.
//
//   NODE_PATH=.cache/node-wot/node_modules node tests/interop/node_wot_client.mjs http://127.0.0.1:8080
//
// The script reads the directory's own TD from /.well-known/wot, consumes it and from then on
// reaches the directory through the TD's affordances (invokeAction, readProperty,
// subscribeEvent). The only other URLs it writes by hand are a few plain-HTTP set-up writes,
// which keep one interaction's failure from hiding the next. It prints one JSON object:
//
//   {"node": ..., "packages": {name: version}, "interactions": {name: {"ok": bool, ...}}}
//
// where each interaction has "detail" when it worked and "error" when it did not. It exits 0
// whenever it could print the summary; tests/interop/test_node_wot.py judges the result.
//
// The packages are found through NODE_PATH (CommonJS resolution), so the script needs no
// node_modules of its own.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Servient, Helpers, JsonCodec, ContentSerdes } = require("@node-wot/core");
const { HttpClientFactory } = require("@node-wot/binding-http");
// The SSE library node-wot's HTTP binding itself uses, resolved from the binding.
const EventSource = createRequire(require.resolve("@node-wot/binding-http"))("eventsource");

const STEP_TIMEOUT_MS = 15_000;
const EVENT_WAIT_MS = 1_500;

const base = (process.argv[2] ?? "").replace(/\/+$/, "");
// An API key for the directory's write forms (they declare bearer security).
const token = process.argv[3] ?? "";
const auth = token ? { Authorization: `Bearer ${token}` } : {};
if (!/^https?:\/\//.test(base)) {
  console.error("usage: node node_wot_client.mjs <directory base URL>");
  process.exit(2);
}

const interactions = {};

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// node-wot rejected the response of a request that nevertheless did what it should.
class ResponseRejected extends Error {
  constructor(message, detail) {
    super(message);
    this.detail = detail;
  }
}

// Run one interaction; record {ok, detail} or {ok: false, error} (plus "effective": true and
// the detail when only the response was rejected). Returns the step's value.
async function step(name, fn) {
  try {
    const detail = await withTimeout(Promise.resolve().then(fn), STEP_TIMEOUT_MS, name);
    interactions[name] = { ok: true, detail: detail ?? null };
    return detail;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    interactions[name] =
      err instanceof ResponseRejected
        ? { ok: false, error, effective: true, detail: err.detail ?? null }
        : { ok: false, error };
    return err instanceof ResponseRejected ? err.detail : undefined;
  }
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function packageVersion(resolver, name) {
  try {
    return resolver(`${name}/package.json`).version;
  } catch {
    return null;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function thingTd(id, title, extra = {}) {
  const td = {
    "@context": "https://www.w3.org/2022/wot/td/v1.1",
    title,
    securityDefinitions: { nosec_sc: { scheme: "nosec" } },
    security: "nosec_sc",
    ...extra,
  };
  if (id !== undefined) {
    td.id = id;
  }
  return td;
}

// node-wot 0.9 has no codec for application/merge-patch+json and would send the patch as the
// string "[object Object]"; registering the JSON codec under that media type is the
// documented way for a node-wot application to add one.
ContentSerdes.get().addCodec(new JsonCodec("application/merge-patch+json"));

const servient = new Servient();
servient.addClientFactory(new HttpClientFactory());
const WoT = await servient.start();

const run = Date.now().toString(36);
const thingId = `urn:example:node-wot:lamp-${run}`;
const anonymousTitle = `node-wot anonymous ${run}`;
const extraIds = [1, 2].map((n) => `urn:example:node-wot:extra-${run}-${n}`);
const createdEvents = [];
const namedSseEvents = [];
const openStreams = [];

let directoryTd;
await step("requestThingDescription", async () => {
  // node-wot validates the document against its TD JSON Schema before returning it.
  directoryTd = await WoT.requestThingDescription(`${base}/.well-known/wot`);
  check(directoryTd["@type"] === "ThingDirectory", `@type is ${directoryTd["@type"]}`);
  return {
    id: directoryTd.id,
    properties: Object.keys(directoryTd.properties ?? {}),
    actions: Object.keys(directoryTd.actions ?? {}),
    events: Object.keys(directoryTd.events ?? {}),
  };
});

let directory;
// node-wot 0.9 keeps one HTTP client per URI scheme and consumed thing, and sets its security
// from the first form it is used with: reads (nosec) and writes (bearer) through one consumed
// directory would all go out as the first one did. So writes go through a second one.
let writer;
if (directoryTd !== undefined) {
  await step("consume", async () => {
    servient.addCredentials({ [directoryTd.id]: { token } });
    // node-wot 0.9.2 hands a form-level bearer scheme the whole list of stored credentials
    // (retrieveCredentials) where it reads { token } from one: give the list that member too.
    servient.retrieveCredentials(directoryTd.id).token = token;
    directory = await WoT.consume(directoryTd);
    writer = await WoT.consume(directoryTd);
    return directory.title;
  });
}
if (directory === undefined) {
  finish(1);
}

async function invoke(name, input, uriVariables) {
  const options = uriVariables === undefined ? undefined : { uriVariables };
  return directory.invokeAction(name, input, options);
}

// Invoke an action that changes the directory, keeping (not throwing) its error.
async function invokeWrite(name, input, uriVariables) {
  try {
    const options = uriVariables === undefined ? undefined : { uriVariables };
    await writer.invokeAction(name, input, options);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// One step for an action that changes the directory: invoke it, then let `verify` check that
// the change happened. With the change there but the response rejected by node-wot, the step
// fails as "effective"; with the change missing, the error says what invokeAction said too.
function writeStep(name, input, uriVariables, verify) {
  return step(name, async () => {
    const rejected = await invokeWrite(name, input, uriVariables);
    let detail;
    try {
      detail = await verify();
    } catch (err) {
      const said = rejected === null ? "succeeded" : `failed: ${rejected}`;
      throw new Error(`${err.message} (invokeAction ${said})`);
    }
    if (rejected !== null) {
      throw new ResponseRejected(rejected, detail);
    }
    return detail;
  });
}

async function retrieve(id) {
  const output = await invoke("retrieveThing", undefined, { id });
  return output.value();
}

async function searchIds(query) {
  const output = await invoke("searchJSONPath", undefined, { query });
  return output.value();
}

// Subscribe first so that the creations below produce events.
await step("subscribeEvent", async () => {
  await directory.subscribeEvent(
    "thingCreated",
    async (output) => {
      try {
        createdEvents.push(await output.value());
      } catch (err) {
        createdEvents.push({ error: String(err) });
      }
    },
    undefined,
    { uriVariables: { diff: true } },
  );
  return "subscription open";
});

// The same SSE form, read with node-wot's own SSE library but listening for the named
// event type the WoT Discovery notification API uses (node-wot listens for unnamed ones).
await step("subscribeEventNamedSse", async () => {
  const form = directory.events.thingCreated.forms.find((f) => f.subprotocol === "sse");
  check(form !== undefined, "thingCreated has no form with subprotocol sse");
  const href = form.href.replace(/\{\?diff\}$/, "?diff=true");
  const eventType = href.split("/").pop().split("?")[0];
  const source = new EventSource(href);
  openStreams.push(source);
  source.addEventListener(eventType, (event) => namedSseEvents.push(JSON.parse(event.data)));
  await new Promise((resolve, reject) => {
    source.onopen = resolve;
    source.onerror = (event) => reject(new Error(`EventSource error ${JSON.stringify(event)}`));
  });
  source.onerror = null;
  return { href, eventType };
});

await writeStep("createThing", thingTd(thingId, "node-wot lamp"), { id: thingId }, async () => {
  const td = await retrieve(thingId);
  check(td.title === "node-wot lamp", `title after create is ${td.title}`);
  return td.id;
});

await step("createThingInvalidRejected", async () => {
  const invalid = { id: `${thingId}-invalid`, title: "no @context, no security" };
  try {
    await writer.invokeAction("createThing", invalid, { uriVariables: { id: invalid.id } });
  } catch (err) {
    return `rejected: ${err.message}`;
  }
  throw new Error("the directory accepted a TD without @context and security");
});

await writeStep(
  "createAnonymousThing",
  thingTd(undefined, anonymousTitle),
  undefined,
  async () => {
    // node-wot does not expose response headers, so the Location the directory answered
    // with is out of reach: a search finds the id it assigned.
    const ids = await searchIds(`$[?@.title=='${anonymousTitle}'].id`);
    check(Array.isArray(ids) && ids.length === 1, `search for it answered ${JSON.stringify(ids)}`);
    check(/^urn:uuid:/.test(ids[0]), `assigned id ${ids[0]}`);
    return ids[0];
  },
);

await step("retrieveThing", async () => {
  const td = await retrieve(thingId);
  check(td.id === thingId, `retrieved id ${td.id}`);
  check(td.title === "node-wot lamp", `retrieved title ${td.title}`);
  check(typeof td.registration?.created === "string", "no registration.created (not enriched)");
  return { id: td.id, registration: td.registration };
});

const replacement = thingTd(thingId, "node-wot lamp, replaced");
await writeStep("updateThing", replacement, { id: thingId }, async () => {
  const td = await retrieve(thingId);
  check(td.title === replacement.title, `title after update is ${td.title}`);
  return td.title;
});

const patch = { title: "node-wot lamp, patched", description: "changed by a merge patch" };
await writeStep("partiallyUpdateThing", patch, { id: thingId }, async () => {
  const td = await retrieve(thingId);
  check(td.title === patch.title, `title after patch is ${td.title}`);
  check(td.description === patch.description, `description after patch is ${td.description}`);
  return { title: td.title, description: td.description };
});

// Two more things, so that paging has something to page over. Created over plain HTTP on
// purpose: this step is set-up, not an interaction under test.
for (const id of extraIds) {
  await fetch(`${base}/things/${encodeURIComponent(id)}`, {
    method: "PUT",
    headers: { "Content-Type": "application/td+json", ...auth },
    body: JSON.stringify(thingTd(id, `node-wot extra ${id.slice(-1)}`)),
  });
}

const allIds = await step("readProperty", async () => {
  const output = await directory.readProperty("things");
  const things = await output.value();
  check(Array.isArray(things), "things is not an array");
  const ids = things.map((td) => td.id);
  for (const id of [thingId, ...extraIds]) {
    check(ids.includes(id), `${id} is missing from the listing`);
  }
  check(
    ids.every((id, i) => i === 0 || ids[i - 1] <= id),
    "the listing is not sorted by id",
  );
  return ids;
});

await step("readPropertyPaged", async () => {
  check(Array.isArray(allIds) && allIds.length >= 3, "needs the unpaged listing");
  const pages = [];
  for (const offset of [0, 1, 2]) {
    const output = await directory.readProperty("things", {
      uriVariables: { offset, limit: 1 },
    });
    const page = await output.value();
    check(Array.isArray(page) && page.length === 1, `page at offset ${offset} has ${page.length}`);
    pages.push(page[0].id);
  }
  check(
    JSON.stringify(pages) === JSON.stringify(allIds.slice(0, 3)),
    `pages ${JSON.stringify(pages)} differ from the listing`,
  );
  return pages;
});

await step("readPropertyCollection", async () => {
  const output = await directory.readProperty("things", {
    uriVariables: { limit: 2, format: "collection" },
  });
  const page = await output.value();
  check(page["@type"] === "ThingCollection", `@type is ${page["@type"]}`);
  check(page.members.length === 2, `${page.members.length} members`);
  check(page.total === allIds?.length, `total ${page.total}`);
  check(typeof page.next === "string", "no next link");
  return { total: page.total, next: page.next };
});

await step("searchJSONPath", async () => {
  // Quotes, spaces, a comma and JSONPath's $[?@] all have to survive the URI template.
  const ids = await searchIds("$[?@.title=='node-wot lamp, patched'].id");
  check(JSON.stringify(ids) === JSON.stringify([thingId]), `search answered ${JSON.stringify(ids)}`);
  return ids;
});

await step("consumeRetrievedThing", async () => {
  // A TD whose property points at the directory's own health endpoint, so that the
  // consumed copy can be read for real.
  const id = `urn:example:node-wot:health-${run}`;
  const td = thingTd(id, "node-wot health probe", {
    properties: {
      health: {
        type: "object",
        readOnly: true,
        forms: [{ href: `${base}/healthz`, contentType: "application/json" }],
      },
    },
  });
  await fetch(`${base}/things/${encodeURIComponent(id)}`, {
    method: "PUT",
    headers: { "Content-Type": "application/td+json", ...auth },
    body: JSON.stringify(td),
  });
  const enriched = await retrieve(id);
  const validation = Helpers.validateExposedThingInit(enriched);
  check(validation.valid, `node-wot's TD schema rejects the enriched TD: ${validation.errors}`);
  const thing = await WoT.consume(enriched);
  const health = await (await thing.readProperty("health")).value();
  check(health?.status === "ok", `health is ${JSON.stringify(health)}`);
  await invokeWrite("deleteThing", undefined, { id });
  return health;
});

await step("exploreDirectory", async () => {
  // The Scripting API's own directory discovery: it reads the things property itself.
  const discovery = await WoT.exploreDirectory(`${base}/.well-known/wot`);
  const ids = [];
  for await (const td of discovery) {
    ids.push(td.id);
  }
  check(discovery.error === undefined, `discovery error: ${discovery.error?.message}`);
  check(ids.includes(thingId), `${thingId} was not discovered`);
  return ids.length;
});

await writeStep("deleteThing", undefined, { id: thingId }, async () => {
  try {
    await retrieve(thingId);
  } catch (err) {
    return `gone: ${err.message}`;
  }
  throw new Error(`${thingId} can still be retrieved after deleteThing`);
});

// Events are checked last, to give them time to arrive.
const deadline = Date.now() + EVENT_WAIT_MS;
while (Date.now() < deadline && (createdEvents.length === 0 || namedSseEvents.length === 0)) {
  await sleep(50);
}
await step("eventReceived", async () => {
  const event = createdEvents.find((data) => data?.id === thingId);
  check(event !== undefined, `no thingCreated event for ${thingId} (got ${createdEvents.length})`);
  return event.id;
});
await step("eventReceivedNamedSse", async () => {
  const event = namedSseEvents.find((data) => data?.id === thingId);
  check(event !== undefined, `no thing_created event for ${thingId}`);
  check(event.title === "node-wot lamp", "diff=true did not give the whole TD");
  return { id: event.id, events: namedSseEvents.length };
});

finish(0);

function finish(code) {
  for (const source of openStreams) {
    source.close();
  }
  const summary = {
    node: process.version,
    packages: {
      "@node-wot/core": packageVersion(require, "@node-wot/core"),
      "@node-wot/binding-http": packageVersion(require, "@node-wot/binding-http"),
      // The TD schema node-wot validates with, as node-wot itself resolves it.
      "wot-thing-description-types": packageVersion(
        createRequire(require.resolve("@node-wot/core")),
        "wot-thing-description-types",
      ),
    },
    interactions,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  // Subscriptions keep sockets open; the summary is all that matters now.
  process.exit(code);
}
