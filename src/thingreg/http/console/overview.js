// The overview: figures from GET /stats drawn as charts (things by type, by identifier scheme,
// registrations over time, expiring registrations, authentications per minute where the server
// counts them), refreshed as changes arrive.

import { optionalJSON } from "./api.js";
import { barChart, columnChart } from "./charts.js";
import { h, number, replaceChildren, throttle, time } from "./dom.js";
import { liveEvents } from "./events.js";

const DAY = 86_400_000;

function days(from, count) {
  const start = Date.parse(from + "T00:00:00Z");
  return Array.from({ length: count }, (_, i) => new Date(start + i * DAY).toISOString().slice(0, 10));
}

function perDay(rows, dayList) {
  const counts = new Map(rows.map((row) => [row.day, row.count]));
  return dayList.map((day) => ({
    label: day,
    short: new Date(day + "T00:00:00Z").toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }),
    value: counts.get(day) ?? 0,
  }));
}

function figure(title, chart, note) {
  return h("figure", { class: "card chart-card" }, h("figcaption", {}, h("h2", {}, title), note ? h("p", { class: "hint" }, note) : null), chart);
}

export async function render(main) {
  const heading = h("h1", { tabindex: "-1" }, "Overview");
  const content = h("div", { class: "overview" });
  main.append(heading, content);

  async function load() {
    const stats = await optionalJSON("/stats");
    if (stats === null) {
      replaceChildren(content, h("p", {}, "This registry does not publish aggregate figures."));
      return;
    }
    const today = stats.computed.slice(0, 10);
    const past = Math.round((Date.parse(today) - Date.parse(stats.registrations.since)) / DAY) + 1;
    const ahead = Math.round((Date.parse(stats.expiring.until) - Date.parse(today)) / DAY);
    const registrations = perDay(stats.registrations.perDay, days(stats.registrations.since, past));
    const expiring = perDay(stats.expiring.perDay, days(today, ahead));
    const expiringTotal = expiring.reduce((sum, item) => sum + item.value, 0);
    const charts = [
      figure("Things by type", barChart("Things by @type", stats.types.map((row) => ({ label: row.type, value: row.count })))
        , stats.types.length ? "SAREF classes and other @type values, most common first." : "No thing declares an @type yet."),
      figure("Things by identifier scheme", barChart("Things by identifier scheme", stats.schemes.map((row) => ({ label: row.scheme, value: row.count })))),
      figure("Registrations per day", columnChart("Things registered per day, last 30 days", registrations), "UTC days; a replaced TD counts on the day it was first registered."),
      figure("Expiring registrations", columnChart("Registrations expiring per day, next 30 days", expiring, { unit: "things" }), `${number(expiringTotal)} in the next ${ahead} days.`),
    ];
    const auth = stats.authentications?.perMinute;
    if (Array.isArray(auth)) {
      charts.push(figure("Device authentications per minute",
        columnChart("Device authentications per minute", auth.map((row) => ({ label: row.minute, short: row.minute.slice(11, 16), value: row.count })), { unit: "authentications", every: 10 }),
        "Device tokens issued per UTC minute over the last hour, as counted by the server process that answered."));
    }
    replaceChildren(content,
      h("dl", { class: "stat-cards" },
        [["Things", number(stats.things)], ["Types in use", number(stats.types.length)],
         ["Identifier schemes", number(stats.schemes.length)], ["Expiring in 30 days", number(expiringTotal)]]
          .map(([term, value]) => h("div", { class: "card stat" }, h("dt", {}, term), h("dd", {}, value)))),
      h("p", { class: "hint" }, "Figures computed ", time(stats.computed), "."),
      h("div", { class: "charts" }, charts),
    );
  }

  const unsubscribe = liveEvents.subscribe(throttle(load, 3000));
  await load();
  return unsubscribe;
}
