// Small DOM helpers: elements are built with properties and text nodes, never from HTML
// strings, so data from the registry cannot inject markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.setAttribute("class", value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** An HTML element: h("a", {href: "#"}, "text", otherNode). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replace el's children; null, undefined and false children are left out, as in h(). */
export function replaceChildren(el, ...children) {
  return fill(clear(el), {}, children);
}

const numbers = new Intl.NumberFormat("en");

export function number(n) {
  return numbers.format(n);
}

/** An RFC 3339 time as a <time> element: local date and time, the exact value as a tooltip. */
export function time(iso) {
  if (!iso) return "—";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return iso;
  const text = moment.toLocaleString("en-GB", {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
  return h("time", { datetime: iso, title: iso }, text);
}

/** Tell screen-reader users about something that happened without them asking. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick is announced even when the text repeats.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Run fn at most once per `wait` ms, the last call winning (trailing edge). */
export function throttle(fn, wait) {
  let timer = null;
  let last = 0;
  return (...args) => {
    const due = Math.max(0, last + wait - Date.now());
    clearTimeout(timer);
    timer = setTimeout(() => { last = Date.now(); fn(...args); }, due);
  };
}
