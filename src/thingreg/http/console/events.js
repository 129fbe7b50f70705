// The registry's change stream (GET /events, Server-Sent Events), read with fetch() rather
// than EventSource so that the API key travels as a bearer header. One connection serves
// every page; it resumes after a drop from the last event id it saw.

import { authHeaders } from "./api.js";

const RETRY_MS = 2000;

class LiveEvents {
  constructor() {
    this.listeners = new Set();
    this.lastId = null;
    this.controller = null;
    this.running = false;
  }

  /** Call fn({type, id, eventId}) for each change; returns the unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    if (!this.running) this.#loop();
    return () => this.listeners.delete(fn);
  }

  /** Reconnect (after signing in or out: the key may have changed). */
  restart() {
    this.controller?.abort();
  }

  async #loop() {
    this.running = true;
    while (this.running) {
      try {
        await this.#read();
      } catch (error) {
        if (error.name !== "AbortError") console.debug("event stream:", error.message);
      }
      this.#status("off", "Live updates reconnecting…");
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  async #read() {
    this.controller = new AbortController();
    const headers = { Accept: "text/event-stream", ...authHeaders() };
    if (this.lastId !== null) headers["Last-Event-ID"] = this.lastId;
    const response = await fetch("/events", { headers, signal: this.controller.signal, cache: "no-store" });
    if (!response.ok || !response.body) throw new Error(`/events answered ${response.status}`);
    this.#status("on", "Live updates on");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.#dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  #dispatch(block) {
    let type = "message";
    let data = "";
    let eventId = null;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "data") data += (data ? "\n" : "") + value;
      else if (field === "id") eventId = value;
    }
    if (eventId !== null) this.lastId = eventId;
    if (!data || !type.startsWith("thing_")) return;
    let id;
    try { id = JSON.parse(data).id; } catch { return; }
    for (const fn of [...this.listeners]) {
      try { fn({ type, id, eventId }); } catch (error) { console.error(error); }
    }
  }

  #status(state, text) {
    const el = document.getElementById("live-status");
    if (el && el.dataset.state !== state) {
      el.dataset.state = state;
      el.textContent = text;
    }
  }
}

export const liveEvents = new LiveEvents();
