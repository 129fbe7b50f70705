// The console's entry point: a hash router (#/things, #/thing/<id>, #/overview, #/sign-in),
// the session bar, and focus management so keyboard and screen-reader users land on each
// new page's heading.

import { session } from "./api.js";
import { announce, clear, h } from "./dom.js";
import { liveEvents } from "./events.js";
import * as overview from "./overview.js";
import * as signin from "./signin.js";
import * as thing from "./thing.js";
import * as things from "./things.js";

const routes = [
  { pattern: /^#\/sign-in$/, page: signin, nav: null, title: "Sign in", open: true },
  { pattern: /^#\/things$/, page: things, nav: "things", title: "Things" },
  { pattern: /^#\/thing\/(.+)$/, page: thing, nav: "things", title: "Thing" },
  { pattern: /^#\/overview$/, page: overview, nav: "overview", title: "Overview" },
];

let cleanup = null;
let generation = 0;

function updateSessionBar() {
  const who = document.getElementById("who");
  const signOut = document.getElementById("sign-out");
  if (!session.signedIn) {
    who.textContent = "";
    signOut.hidden = true;
  } else {
    who.textContent = session.key ? "Signed in with an API key" : "Read-only";
    signOut.hidden = false;
  }
}

async function route() {
  if (location.hash && !location.hash.startsWith("#/")) return; // an in-page anchor
  const mine = ++generation;
  const [path, search = ""] = (location.hash || "#/things").split("?");
  const found = routes.find((entry) => entry.pattern.test(path));
  if (!found) {
    location.replace("#/things");
    return;
  }
  if (!found.open && !session.signedIn) {
    location.replace("#/sign-in?" + new URLSearchParams({ next: location.hash || "#/things" }));
    return;
  }
  cleanup?.();
  cleanup = null;
  updateSessionBar();
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === found.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const main = clear(document.getElementById("main"));
  delete main.dataset.loadMs;
  delete main.dataset.ready;
  main.setAttribute("aria-busy", "true");
  const params = new URLSearchParams(search);
  try {
    const result = await found.page.render(main, {
      params, rest: path.match(found.pattern)[1], next: params.get("next"),
    });
    if (mine !== generation) { result?.(); return; }
    cleanup = result ?? null;
  } catch (error) {
    if (mine !== generation) return;
    main.append(h("div", { class: "notice warning", role: "alert" }, `Something went wrong: ${error.message}`));
  } finally {
    if (mine === generation) {
      main.removeAttribute("aria-busy");
      main.dataset.ready = "true";
    }
  }
  if (mine !== generation) return;
  const heading = main.querySelector("h1");
  document.title = `${heading?.textContent || found.title} · thingreg console`;
  if (found.page !== signin) (heading ?? main).focus({ preventScroll: false });
  announce(`${heading?.textContent || found.title} page`);
}

document.getElementById("sign-out").addEventListener("click", () => {
  session.signOut();
  liveEvents.restart();
  location.hash = "#/sign-in";
});

// The skip link moves the focus without touching the URL fragment, which holds the route.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});

window.addEventListener("hashchange", route);
route();
