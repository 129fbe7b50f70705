// Charts drawn as SVG by hand: horizontal bars for categories, columns for days. Each chart
// is an image with a title and a description for screen readers, and comes with the same
// figures as a table (collapsed) for anyone who prefers numbers.

import { h, s, number } from "./dom.js";

let serial = 0;

function frame(title, summary, width, height, ...content) {
  const id = `chart-${++serial}`;
  return s(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-labelledby": `${id}-title ${id}-desc`,
      class: "chart",
      preserveAspectRatio: "xMinYMin meet",
    },
    s("title", { id: `${id}-title` }, title),
    s("desc", { id: `${id}-desc` }, summary),
    ...content,
  );
}

function dataTable(caption, head, rows) {
  return h(
    "details",
    { class: "chart-data" },
    h("summary", {}, "Show the figures"),
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", { class: "num" }, number(value))))),
    ),
  );
}

function niceMax(value) {
  if (value <= 5) return Math.max(1, value);
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) return step * magnitude;
  }
  return value;
}

function truncate(text, max) {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** Horizontal bars, one per {label, value}, largest first as given. */
export function barChart(title, items, { unit = "things" } = {}) {
  const width = 640;
  const row = 26;
  // Room for the longest label (about 7 units a character at 12px), within bounds.
  const labelWidth = Math.min(220, Math.max(60, 12 + 7 * Math.max(0, ...items.map((item) => Math.min(30, item.label.length)))));
  const height = Math.max(1, items.length) * row + 8;
  const max = niceMax(Math.max(0, ...items.map((item) => item.value)));
  const span = width - labelWidth - 70;
  const bars = items.map((item, i) => {
    const y = 4 + i * row;
    const w = Math.max(item.value > 0 ? 2 : 0, (item.value / max) * span);
    return s(
      "g",
      { class: "bar" },
      s("text", { x: labelWidth - 8, y: y + row / 2 + 4, "text-anchor": "end", class: "label" }, truncate(item.label, 30)),
      s("rect", { x: labelWidth, y: y + 3, width: w.toFixed(1), height: row - 8, rx: 3, class: `fill-${i % 6}` },
        s("title", {}, `${item.label}: ${number(item.value)} ${unit}`)),
      s("text", { x: labelWidth + w + 6, y: y + row / 2 + 4, class: "value" }, number(item.value)),
    );
  });
  const summary = items.length
    ? items.map((item) => `${item.label}: ${number(item.value)}`).join("; ")
    : "No data.";
  return h(
    "div",
    { class: "chart-box" },
    frame(title, summary, width, height, ...bars),
    dataTable(title, ["", unit], items.map((item) => [item.label, item.value])),
  );
}

/** Columns over consecutive periods ({label, value}, oldest first), with sparse axis labels. */
export function columnChart(title, items, { unit = "things", every = 5 } = {}) {
  const width = 640;
  const height = 200;
  const left = 44;
  const bottom = 24;
  const top = 10;
  const max = niceMax(Math.max(0, ...items.map((item) => item.value)));
  const plot = height - bottom - top;
  const step = (width - left - 8) / Math.max(1, items.length);
  const grid = (max >= 2 ? [0, 0.5, 1] : [0, 1]).map((fraction) => {
    const y = top + plot - fraction * plot;
    return s(
      "g",
      { class: "grid" },
      s("line", { x1: left, x2: width - 4, y1: y, y2: y }),
      s("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, number(Math.round(max * fraction))),
    );
  });
  const columns = items.map((item, i) => {
    const x = left + i * step;
    const barHeight = (item.value / max) * plot;
    const parts = [
      s("rect", {
        x: (x + 1).toFixed(1), y: (top + plot - barHeight).toFixed(1),
        width: Math.max(1, step - 2).toFixed(1), height: barHeight.toFixed(1), class: "fill-0",
      }, s("title", {}, `${item.label}: ${number(item.value)} ${unit}`)),
    ];
    if (i % every === 0) {
      parts.push(s("text", { x: x + step / 2, y: height - 6, "text-anchor": "middle", class: "axis" }, item.short ?? item.label));
    }
    return s("g", { class: "column" }, ...parts);
  });
  const total = items.reduce((sum, item) => sum + item.value, 0);
  const busiest = items.reduce((best, item) => (item.value > (best?.value ?? -1) ? item : best), null);
  const summary = items.length
    ? `${number(total)} ${unit} over ${items.length} periods from ${items[0].label} to ${items.at(-1).label}` +
      (busiest && busiest.value > 0 ? `; most on ${busiest.label} (${number(busiest.value)}).` : ".")
    : "No data.";
  return h(
    "div",
    { class: "chart-box" },
    frame(title, summary, width, height, ...grid, ...columns),
    dataTable(title, ["", unit], items.filter((item) => item.value > 0).map((item) => [item.label, item.value])),
  );
}
