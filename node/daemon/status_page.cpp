#include "daemon/status_page.hpp"

namespace provnet::daemon {

namespace {

// Rendering uses textContent only, never innerHTML with data: whatever a
// field holds is shown as text. Elements the tests look for carry ids and
// data- attributes (data-peer, data-connected, data-outbox), so a change of
// wording does not break them.
constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>provnet node</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.4em; margin-bottom: 0.2em; }
  h2 { font-size: 1.1em; margin: 1.4em 0 0.4em; border-bottom: 1px solid #ccc; }
  table { border-collapse: collapse; }
  th, td { text-align: left; padding: 0.2em 0.9em 0.2em 0; vertical-align: top; }
  th { font-weight: 600; color: #555; }
  td.number { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #176117; }
  .down, .error { color: #b00020; font-weight: 600; }
  .warn { color: #9a5b00; font-weight: 600; }
  li.warn, li.error { font-weight: normal; }
  .muted { color: #777; }
  #fetch-error { color: #b00020; }
</style>
</head>
<body>
<h1>provnet node <span id="node">…</span> <span id="role" class="muted"></span></h1>
<div class="muted">today <span id="today">…</span> · updated <span id="updated">never</span>
  <span id="fetch-error"></span></div>

<h2>Warnings</h2>
<ul id="warnings"><li class="muted">loading…</li></ul>

<h2>Peers</h2>
<table id="links">
  <thead><tr><th>peer</th><th>link</th><th>route</th><th>outbox</th></tr></thead>
  <tbody></tbody>
</table>
<p id="pending" class="muted"></p>

<h2>Overdue queries</h2>
<div id="overdue"></div>

<h2>Directory</h2>
<table id="directory"><tbody></tbody></table>

<h2>Certificates, store and disk</h2>
<table id="certificates">
  <thead><tr><th>certificate</th><th>serial</th><th>not after</th><th>days left</th>
  <th>state</th></tr></thead>
  <tbody></tbody>
</table>
<table id="resources"><tbody></tbody></table>

<h2>Audit</h2>
<table id="audit"><tbody></tbody></table>

<script>
"use strict";
const REFRESH_MS = 5000;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c));
  return tr;
}

function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}

function time(ms) {
  if (typeof ms !== "number") return "—";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function duration(seconds) {
  if (typeof seconds !== "number") return "—";
  const s = Math.abs(seconds);
  const text = s >= 86400 ? (s / 86400).toFixed(1) + " days"
             : s >= 3600 ? (s / 3600).toFixed(1) + " hours"
             : s >= 60 ? Math.round(s / 60) + " minutes" : Math.round(s) + " seconds";
  return seconds < 0 ? "-" + text : text;
}

function percent(ratio) {
  return typeof ratio === "number" ? (ratio * 100).toFixed(1) + " %" : "—";
}

function mib(bytes) {
  return typeof bytes === "number" ? (bytes / 1048576).toFixed(1) + " MiB" : "—";
}

function renderWarnings(warnings) {
  const list = document.getElementById("warnings");
  if (!Array.isArray(warnings)) {
    list.replaceChildren(el("li", "not available", "muted"));
  } else if (warnings.length === 0) {
    list.replaceChildren(el("li", "none", "ok"));
  } else {
    list.replaceChildren(...warnings.map((w) => {
      const li = el("li", null, w.level === "error" ? "error" : "warn");
      li.dataset.event = w.event;
      li.appendChild(el("strong", w.event + ": "));
      li.appendChild(document.createTextNode(w.message));
      return li;
    }));
  }
}

function renderLinks(links, pending) {
  const rows = (links || []).map((l) => {
    const connected = l.connected === true;
    let route = "";
    if (l.direct) route = l.fallback ? "fallback (via 00)" : "direct";
    const outbox = typeof l.outbox === "number" ? l.outbox : "?";
    const tr = row([el("td", l.peer, "peer"),
                    el("td", connected ? "connected" : "down",
                       "state " + (connected ? "ok" : "down")),
                    el("td", route, "route"),
                    el("td", outbox, "outbox number")]);
    tr.className = "link";
    tr.dataset.peer = l.peer;
    tr.dataset.connected = String(connected);
    tr.dataset.outbox = String(outbox);
    if (l.direct) tr.dataset.route = l.fallback ? "fallback" : "direct";
    return tr;
  });
  if (rows.length === 0) rows.push(row([el("td", "no peers", "muted")]));
  fill(document.querySelector("#links tbody"), rows);
  document.getElementById("pending").textContent = pending
      ? "in total: " + pending.outbox + " messages awaiting acknowledgement, " +
        pending.staged + " record versions staged for a batch"
      : "pending: the store could not be read";
}

function renderOverdue(overdue) {
  const box = document.getElementById("overdue");
  if (!overdue) {
    box.replaceChildren(el("p", "not available", "muted"));
    return;
  }
  const parts = [];
  for (const role of ["answering", "asking"]) {
    const q = overdue[role];
    if (!q) continue;
    const title = role === "answering" ? "asked of this node" : "asked by this node";
    const p = el("p", null, q.count > 0 ? "warn" : "ok");
    p.id = "overdue-" + role;
    p.dataset.count = String(q.count);
    p.textContent = title + ": " + q.count + " overdue";
    parts.push(p);
    if (q.first && q.first.length > 0) {
      const t = el("table");
      t.appendChild(row([el("th", "query"), el("th", "due"), el("th", "asking"),
                         el("th", "answering")]));
      for (const item of q.first) {
        t.appendChild(row([item.query_id, item.due_date, item.asking, item.answering]));
      }
      if (q.count > q.first.length) {
        t.appendChild(row([el("td", "… and " + (q.count - q.first.length) + " more", "muted")]));
      }
      parts.push(t);
    }
  }
  box.replaceChildren(...parts);
}

function renderDirectory(d) {
  const body = document.querySelector("#directory tbody");
  if (!d) {
    fill(body, [row([el("td", "no directory yet", "warn")])]);
    return;
  }
  fill(body, [row([el("th", "version"), d.version]),
              row([el("th", "issued"), time(d.issued_at_ms)]),
              row([el("th", "valid until"), time(d.valid_until_ms)]),
              row([el("th", "age"), duration(d.age_s)]),
              row([el("th", "nodes"), d.nodes]),
              row([el("th", "revocations"), d.revocations])]);
}

function renderOperations(ops) {
  const certs = document.querySelector("#certificates tbody");
  const resources = document.querySelector("#resources tbody");
  if (!ops) {
    fill(certs, [row([el("td", "not available", "muted")])]);
    fill(resources, []);
    return;
  }
  fill(certs, (ops.certificates || []).map((c) => row([
      c.certificate, c.serial, c.not_after, c.days_left,
      el("td", c.state, c.state === "ok" ? "ok" : c.state === "expired" ? "error" : "warn")])));
  const rows = [];
  if (ops.store) {
    rows.push(row([el("th", "store"),
                   mib(ops.store.used_bytes) + " of " + mib(ops.store.map_size_bytes) + " (" +
                       percent(ops.store.used_ratio) + ")",
                   el("td", ops.store.state, ops.store.state === "ok" ? "ok" : "warn")]));
  }
  if (ops.disk) {
    rows.push(row([el("th", "disk"),
                   mib(ops.disk.free_bytes) + " free of " + mib(ops.disk.size_bytes) + " (" +
                       percent(ops.disk.free_ratio) + ")",
                   el("td", ops.disk.state, ops.disk.state === "ok" ? "ok" : "warn")]));
  }
  fill(resources, rows);
}

// The audit object's keys are the audit's own (entries, head, algorithm,
// checkpoints, discrepancies ...): shown as they come, so a key added there
// appears here without a change to this page.
function renderAudit(audit) {
  const body = document.querySelector("#audit tbody");
  if (audit === undefined || audit === null || typeof audit !== "object") {
    const r = row([el("td", "not available", "muted")]);
    r.id = "audit-unavailable";
    fill(body, [r]);
    return;
  }
  fill(body, Object.keys(audit).map((key) => {
    const v = audit[key];
    let text;
    if (v === null) text = "—";
    else if (typeof v === "object") text = JSON.stringify(v);
    else if (typeof v === "number" && /_ms$/.test(key)) text = time(v) + " (" + v + ")";
    else text = String(v);
    const r = row([el("th", key), el("td", text)]);
    r.dataset.key = key;
    return r;
  }));
}

function render(s) {
  document.getElementById("node").textContent = s.node;
  document.getElementById("role").textContent = "(" + s.role + ")";
  document.getElementById("today").textContent = s.today;
  document.title = "provnet node " + s.node;
  renderWarnings(s.warnings);
  renderLinks(s.links, s.pending);
  renderOverdue(s.overdue_queries);
  renderDirectory(s.directory);
  renderOperations(s.operations);
  renderAudit(s.audit);
}

async function refresh() {
  const problem = document.getElementById("fetch-error");
  try {
    const response = await fetch("/v1/status", {cache: "no-store"});
    if (!response.ok) throw new Error("GET /v1/status answered " + response.status);
    render(await response.json());
    document.getElementById("updated").textContent = new Date().toLocaleTimeString();
    problem.textContent = "";
    document.body.dataset.loaded = "true";
  } catch (e) {
    problem.textContent = "· the node does not answer: " + e.message;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
)html";

}  // namespace

std::string_view status_page_html() {
  return kPage;
}

}  // namespace provnet::daemon
