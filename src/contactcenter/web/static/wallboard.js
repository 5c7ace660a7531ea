// The wallboard: one tile per queue, drawn from the server's event stream
// (GET /api/v1/live/stream). Nothing is loaded from anywhere else.
"use strict";

const tiles = document.getElementById("tiles");
const template = document.getElementById("tile");
const alertsBox = document.getElementById("alerts");
const link = document.getElementById("link");
const clock = document.getElementById("clock");

function percent(value) {
  return value === null || value === undefined ? "–" : (100 * value).toFixed(1) + " %";
}

function duration(seconds) {
  const s = Math.round(seconds || 0);
  const m = Math.floor(s / 60);
  return m + ":" + String(s % 60).padStart(2, "0");
}

function set(tile, field, text) {
  const el = tile.querySelector('[data-field="' + field + '"]');
  if (el) el.textContent = text;
}

function colour(tile, cell, value) {
  const el = tile.querySelector('[data-cell="' + cell + '"]');
  if (el) el.className = "cell " + (value || "none");
}

function tileFor(queue) {
  let tile = tiles.querySelector('[data-queue="' + CSS.escape(queue) + '"]');
  if (!tile) {
    tile = template.content.firstElementChild.cloneNode(true);
    tile.dataset.queue = queue;
    tiles.appendChild(tile);
  }
  return tile;
}

function render(doc) {
  const empty = tiles.querySelector(".empty");
  if (empty) empty.remove();
  const names = new Set();
  for (const q of doc.queues) {
    names.add(q.queue);
    const tile = tileFor(q.queue);
    set(tile, "queue", q.queue);
    set(tile, "waiting", String(q.waiting));
    set(tile, "longest_wait", duration(q.longest_wait_s));
    set(tile, "service_level", percent(q.today.service_level));
    set(tile, "interval_service_level", percent(q.interval.service_level));
    set(tile, "projected_service_level", percent(q.projected_service_level));
    set(tile, "needed_in_threshold",
        q.needed_in_threshold === null ? "–" : String(q.needed_in_threshold));
    set(tile, "target", (100 * q.target).toFixed(0) + " %");
    set(tile, "threshold", q.threshold_s + " s");
    set(tile, "offered", String(q.today.offered));
    set(tile, "answered", String(q.today.answered));
    set(tile, "abandoned", String(q.today.abandoned));
    for (const [cell, value] of Object.entries(q.colours)) colour(tile, cell, value);
    if (q.agents) {
      tile.classList.remove("no-agents");
      const paused = Object.values(q.agents.paused).reduce((a, b) => a + b, 0);
      set(tile, "available", String(q.agents.available));
      set(tile, "on_contact", String(q.agents.on_contact));
      set(tile, "paused", String(paused));
      set(tile, "paused_reasons", Object.entries(q.agents.paused)
        .map(([reason, n]) => (reason || "no reason") + " " + n).join(", "));
      set(tile, "logged_out", String(q.agents.logged_out));
    } else {
      tile.classList.add("no-agents");
    }
  }
  for (const tile of Array.from(tiles.querySelectorAll(".tile"))) {
    if (!names.has(tile.dataset.queue)) tile.remove();
  }
  showAlerts(doc.alerts || []);
  clock.textContent = new Date(doc.now).toLocaleTimeString();
  document.body.dataset.updated = doc.now;
}

function showAlerts(alerts) {
  alertsBox.replaceChildren(...alerts.map((a) => {
    const el = document.createElement("div");
    el.className = "alert";
    el.dataset.rule = a.rule;
    el.textContent = a.message;
    return el;
  }));
}

// The stream is read with fetch, not EventSource, so that the request can carry the
// token: the page is opened as /wallboard#token=TOKEN (a fragment never reaches the
// server or its logs) and sends it as "Authorization: Bearer TOKEN".
function token() {
  const found = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  return found ? decodeURIComponent(found[1]) : null;
}

function showLink(state, text) {
  link.className = state === "live" ? "online" : "offline";
  link.textContent = text;
  link.dataset.link = state;
}

function dispatch(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (event === "live" && data.length) render(JSON.parse(data.join("\n")));
}

async function connect() {
  const headers = {};
  const secret = token();
  if (secret) headers.Authorization = "Bearer " + secret;
  try {
    const response = await fetch("/api/v1/live/stream" + window.location.search, {
      headers, cache: "no-store",
    });
    if (response.status === 401 || response.status === 403) {
      const body = await response.json().catch(() => ({}));
      showLink("denied", body.detail || "no access: open /wallboard#token=TOKEN");
      return;
    }
    if (!response.ok) throw new Error(String(response.status));
    showLink("live", "live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        dispatch(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
      }
    }
  } catch (error) {
    // the server is away: say so and try again
  }
  showLink("offline", "offline");
  setTimeout(connect, 1000);
}

connect();
