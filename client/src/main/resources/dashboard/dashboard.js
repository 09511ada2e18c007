// The Sidestep dashboard: plain DOM code over the JSON API (see README.md). Text from the API is
// only ever set as textContent, never as HTML.
"use strict";

const M = JSON.parse(document.getElementById("messages").textContent);
const TOKEN = document.querySelector('meta[name="sidestep-token"]').content;
const LANG = document.documentElement.lang;
const $ = (id) => document.getElementById(id);
const t = (key) => M[key] || key;

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function bytes(n) {
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MiB";
  return (n / 1024 / 1024 / 1024).toFixed(2) + " GiB";
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(LANG) : "";
}

async function get(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.status);
  return body;
}

async function post(path, params) {
  const r = await fetch(path + "?" + new URLSearchParams(params), {
    method: "POST",
    headers: { "X-Sidestep-Token": TOKEN },
  });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.status);
  return body;
}

// Views: one section at a time, chosen by the address's #fragment.
const VIEWS = ["status", "live", "learned", "rules", "check"];
const loaders = {};

function show() {
  const name = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "status";
  for (const v of VIEWS) $(v).hidden = v !== name;
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("current", a.dataset.view === name);
  }
  for (const a of document.querySelectorAll("#languages a")) {
    a.href = "/?lang=" + a.dataset.lang + "#" + name;
    a.classList.toggle("current", a.dataset.lang === LANG);
  }
  if (loaders[name]) loaders[name]();
}

// Status: relays, the network and today's traffic, refreshed while shown.
loaders.status = async () => {
  const s = await get("/api/status");
  const body = $("relays").tBodies[0];
  body.replaceChildren();
  for (const r of s.relays) {
    const row = body.insertRow();
    row.dataset.relay = r.label;
    cell(row, r.label);
    cell(row, r.address);
    cell(row, r.up ? t("status.up") : t("status.down"), r.up ? "up-state" : "down-state");
    cell(row, r.rtt_ms == null ? "" : r.rtt_ms + " ms", "rtt");
    cell(row, r.reason);
  }
  $("no-relays").hidden = s.relays.length > 0;
  $("network").textContent = s.network
    ? s.network.label + " (" + s.network.id + ")"
    : t("status.network_unknown");
  for (const [id, k] of [["traffic-direct", "direct"], ["traffic-relayed", "relayed"]]) {
    const row = $(id);
    row.querySelector(".n").textContent = s.traffic[k].connections;
    row.querySelector(".up").textContent = bytes(s.traffic[k].up);
    row.querySelector(".down").textContent = bytes(s.traffic[k].down);
  }
  $("started").textContent = when(s.started);
};
setInterval(() => { if (!$("status").hidden) loaders.status(); }, 5000);

// Live: every finished connection, from the event stream; the filter matches any column.
function addConnection(c) {
  const body = $("connections").tBodies[0];
  const row = document.createElement("tr");
  row.dataset.destination = c.destination;
  cell(row, new Date(c.at).toLocaleTimeString(LANG));
  cell(row, c.door);
  cell(row, c.destination);
  cell(row, t("route." + c.route), "route-" + c.route);
  cell(row, c.reason + (c.via ? " (" + c.via + ")" : ""));
  cell(row, "↑" + bytes(c.up) + " ↓" + bytes(c.down), "num");
  cell(row, c.ms + " ms", "num");
  cell(row, c.result + (c.notes ? "; " + c.notes : ""));
  body.insertBefore(row, body.firstChild);
  while (body.rows.length > 500) body.deleteRow(body.rows.length - 1);
  filterRow(row);
  $("no-connections").hidden = true;
}

function filterRow(row) {
  const f = $("live-filter").value.trim().toLowerCase();
  row.hidden = f !== "" && !row.textContent.toLowerCase().includes(f);
}

$("live-filter").addEventListener("input", () => {
  for (const row of $("connections").tBodies[0].rows) filterRow(row);
});

const events = new EventSource("/api/live");
let seen = 0;
events.onmessage = (e) => {
  const c = JSON.parse(e.data);
  if (c.id <= seen) return; // a reconnect sends the recent ones again
  seen = c.id;
  addConnection(c);
  if (!$("status").hidden) loaders.status();
};

// Learned: every entry, with forget and the two rules.
loaders.learned = async () => {
  const list = await get("/api/learned");
  const body = $("learned-table").tBodies[0];
  body.replaceChildren();
  for (const e of list) {
    const row = body.insertRow();
    row.dataset.host = e.host;
    cell(row, e.host);
    cell(row, e.technique);
    cell(row, e.evidence);
    cell(row, when(e.learned));
    cell(row, when(e.expires) + (e.expired ? " (" + t("learned.expired") + ")" : ""));
    if (e.network) row.dataset.network = e.network.id;
    cell(
      row,
      e.network
        ? e.network.label + (e.current ? " (" + t("learned.this_network") + ")" : "")
        : t("learned.any_network"),
      "network" + (e.current ? " current-network" : ""),
    );
    const actions = cell(row, "");
    const forget = e.network ? { host: e.host, network: e.network.id } : { host: e.host };
    actions.append(
      button(t("learned.forget"), "forget", () => act("/api/learned/forget", forget, "learned.forgotten")),
      button(t("learned.always_relay"), "always-relay", () => act("/api/rules/relay", e.host, "learned.rule_added")),
      button(t("learned.always_direct"), "always-direct", () => act("/api/rules/direct", e.host, "learned.rule_added")),
    );
  }
  $("no-learned").hidden = list.length > 0;
};

function button(text, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = text;
  b.addEventListener("click", onClick);
  return b;
}

async function act(path, params, done) {
  const host = typeof params === "string" ? params : params.host;
  try {
    await post(path, typeof params === "string" ? { host } : params);
    $("learned-message").textContent = t(done).replace("{host}", host);
    $("learned-message").className = "";
  } catch (err) {
    $("learned-message").textContent = err.message;
    $("learned-message").className = "error";
  }
  loaders.learned();
}

// Rules: the file with numbered lines, the error at its line, each list and when it was read.
loaders.rules = async () => {
  const r = await get("/api/rules");
  $("rules-file").textContent = r.file || t("rules.no_file");
  $("rules-counts").textContent = r.rules + " / " + r.entries + " / " + r.learned;
  const err = $("rules-error");
  err.hidden = !r.error;
  err.textContent = r.error ? t("rules.error") + " " + r.error.message : "";
  const files = $("rules-files").tBodies[0];
  files.replaceChildren();
  for (const f of r.files) {
    const row = files.insertRow();
    cell(row, f.path);
    cell(row, when(f.loaded));
  }
  const urlLists = $("rules-url-lists").tBodies[0];
  urlLists.replaceChildren();
  for (const l of r.urlLists) {
    const row = urlLists.insertRow();
    cell(row, l.url);
    cell(row, l.fetched ? when(l.fetched) : t("rules.never_fetched"));
    cell(row, (l.ok ? t("rules.fetch_ok") : t("rules.fetch_failed")) + " " + l.message,
      l.ok ? "up-state" : "down-state");
  }
  const warnings = $("rules-warnings");
  warnings.replaceChildren();
  for (const w of r.warnings) {
    const li = document.createElement("li");
    li.textContent = w;
    warnings.appendChild(li);
  }
  const text = $("rules-text");
  text.replaceChildren();
  const lines = r.text.split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  lines.forEach((line, i) => {
    const li = document.createElement("li");
    li.textContent = line || " ";
    if (r.error && r.error.file === r.file && r.error.line === i + 1) {
      li.className = "bad";
      li.title = r.error.message;
    }
    text.appendChild(li);
  });
};

// Check a site: explain, then a probe of the host or of a list, with progress.
let explained = null;
$("explain-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  await explain($("explain-host").value.trim());
});

async function explain(host) {
  try {
    const x = await get("/api/explain?" + new URLSearchParams({ host }));
    explained = host;
    $("explain-destination").textContent = x.destination;
    $("explain-action").textContent = x.action;
    $("explain-reason").textContent = x.reason;
    $("explain-result").hidden = false;
    $("check-message").textContent = "";
  } catch (err) {
    $("check-message").textContent = err.message;
  }
}

$("explain-relay").addEventListener("click", () => rule("/api/rules/relay"));
$("explain-direct").addEventListener("click", () => rule("/api/rules/direct"));

async function rule(path) {
  try {
    await post(path, { host: explained.replace(/:\d+$/, "") });
    await explain(explained);
  } catch (err) {
    $("check-message").textContent = err.message;
  }
}

$("probe-host").addEventListener("click", () => probe(explained.replace(/:\d+$/, "")));
$("probe-form").addEventListener("submit", (e) => {
  e.preventDefault();
  probe($("probe-list").value);
});

async function probe(list) {
  try {
    const job = await post("/api/probe", { list });
    $("probe").hidden = false;
    $("probe-report").hidden = true;
    $("check-message").textContent = "";
    poll(job.id);
  } catch (err) {
    $("check-message").textContent = err.message;
  }
}

async function poll(id) {
  const job = await get("/api/probe/" + id);
  $("probe-progress").max = job.total;
  $("probe-progress").value = job.done;
  $("probe-count").textContent = job.done + " / " + job.total;
  const body = $("probe-results").tBodies[0];
  body.replaceChildren();
  for (const r of job.results) {
    const row = body.insertRow();
    row.dataset.host = r.host;
    cell(row, r.host);
    cell(row, r.verdict, r.verdict === "ok" ? "up-state" : r.verdict === "down" ? "" : "down-state");
    cell(row, r.technique);
    cell(row, r.detail);
    cell(row, r.ms, "num");
  }
  if (job.error) $("check-message").textContent = job.error;
  if (job.finished) {
    if (!job.error) {
      $("probe-report").href = "/api/probe/" + id + "/report.json";
      $("probe-report").hidden = false;
    }
  } else {
    setTimeout(() => poll(id), 500);
  }
}

window.addEventListener("hashchange", show);
show();
