// The registry's HTTP API as the console uses it: bearer key from sessionStorage, problem
// details turned into errors, and feature detection from the OpenAPI document, so pages can
// show what this server offers (audit trail, type/owner/visibility filters) and hide the rest.

const KEY = "thingreg.apiKey";

export const session = {
  /** The API key, "" when signed in read-only, null when not signed in. */
  get key() { return sessionStorage.getItem(KEY); },
  get signedIn() { return sessionStorage.getItem(KEY) !== null; },
  signIn(key) { sessionStorage.setItem(KEY, key); },
  signOut() { sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail || problem?.title || `${path} answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function authHeaders() {
  const key = session.key;
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export async function request(path, { method = "GET", body, headers = {}, accept = "application/json", signal } = {}) {
  const response = await fetch(path, {
    method, body, signal, cache: "no-store",
    headers: { Accept: accept, ...authHeaders(), ...headers },
  });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem, path);
  }
  return response;
}

export async function getJSON(path, options) {
  return (await request(path, options)).json();
}

/** The JSON at path, or null when this server does not offer it (404, 501). */
export async function optionalJSON(path, options) {
  try {
    return await getJSON(path, options);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 501)) return null;
    throw error;
  }
}

export function thingPath(id) {
  return "/things/" + encodeURIComponent(id);
}

/**
 * Whether the server accepts `key` for writes. There is no "who am I" call, so this sends a
 * merge patch to a thing that cannot exist: the write check answers 401 before the lookup
 * answers 404, and nothing is ever changed.
 */
export async function checkKey(key) {
  const response = await fetch(thingPath("urn:thingreg:console:key-check"), {
    method: "PATCH",
    cache: "no-store",
    headers: {
      "Content-Type": "application/merge-patch+json",
      Accept: "application/json",
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
    },
    body: "{}",
  });
  if (response.status === 401 || response.status === 403) return false;
  return true;
}

let features = null;

/** What this server offers, read once from /openapi.json. */
export function serverFeatures() {
  features ??= (async () => {
    const doc = await optionalJSON("/openapi.json").catch(() => null);
    const paths = new Set(Object.keys(doc?.paths ?? {}));
    const listParams = new Set();
    for (const param of doc?.paths?.["/things"]?.get?.parameters ?? []) {
      const resolved = param.$ref
        ? doc.components?.parameters?.[param.$ref.split("/").pop()]
        : param;
      if (resolved?.in === "query") listParams.add(resolved.name);
    }
    return {
      paths,
      listParams,
      audit: paths.has("/audit") || paths.has("/things/{id}/audit"),
      stats: paths.has("/stats"),
    };
  })();
  return features;
}

/** The audit trail of one thing, or null where the server keeps none. */
export async function auditTrail(id) {
  const { paths } = await serverFeatures();
  if (paths.has("/things/{id}/audit")) return optionalJSON(thingPath(id) + "/audit");
  if (paths.has("/audit")) {
    return optionalJSON("/audit?" + new URLSearchParams({ thing: id, limit: "50" }));
  }
  return null;
}
