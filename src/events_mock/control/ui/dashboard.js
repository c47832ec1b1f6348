// The events-mock dashboard: a page over the control API (spec/control.yaml) and nothing else.
//
// Every call goes to this page's own origin (`mode: "same-origin"`), sends `X-Mock-Control: 1`
// (the control plane refuses state changes without it or a JSON body) and, when the operator
// typed one, the control token as a bearer token. The token lives in sessionStorage: never in
// a URL, gone with the tab. Text from the journal is put in the page as text, never as HTML.
"use strict";

const TOKEN_KEY = "events-mock-control-token";
const SANDBOX_KEY = "events-mock-sandbox";
const POLL_MS = 1000;
const JOURNAL_ROWS = 500;

const $ = (id) => document.getElementById(id);
let lastJournalId = 0;
let journalEntries = [];
let selectedEntry = null;
let polling = false;

function controlRoot() {
  const sandbox = sessionStorage.getItem(SANDBOX_KEY);
  return sandbox ? `/sandboxes/${encodeURIComponent(sandbox)}/__mock` : "/__mock";
}

class ControlError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// One control call; `root` is the default world's for the sandboxes' own endpoints.
async function call(method, path, body, root = controlRoot()) {
  const headers = { "X-Mock-Control": "1", Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, mode: "same-origin", credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(root + path, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = (parsed && (parsed.detail || parsed.title)) || response.statusText;
    throw new ControlError(response.status, `${response.status}: ${detail}`);
  }
  return parsed;
}

function say(text, isError = false, fromPoll = false) {
  const message = $("message");
  message.dataset.fromPoll = fromPoll ? "1" : "";
  message.textContent = text;
  message.classList.toggle("error", isError);
  message.hidden = !text;
}

// Runs a user's action, then refreshes what it may have changed; errors are shown, not thrown.
async function act(action, done) {
  try {
    await action();
    say(done || "");
    await refresh();
  } catch (error) {
    say(error.message, true);
    if (error.status === 401) $("token").focus();
  }
}

function iso(ms) {
  return ms === null || ms === undefined ? "" : new Date(ms).toISOString();
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function button(label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}

// Clock

function showClock(clock) {
  $("clock-now").textContent = `${clock.iso} (${clock.now})`;
  $("clock-rate").textContent = String(clock.rate);
  $("clock-frozen").textContent = clock.frozen ? "yes" : "no";
}

function advance(seconds) {
  return act(() => call("POST", "/clock/advance", { seconds }), `Advanced ${seconds} s.`);
}

// Jobs

// Tables are redrawn only when what they show changed, so a button does not vanish under the
// pointer between a press and its release.
const shown = new Map();

function changed(name, data) {
  const key = JSON.stringify(data);
  if (shown.get(name) === key) return false;
  shown.set(name, key);
  return true;
}

function showJobs(jobs) {
  if (!changed("jobs", jobs)) return;
  const body = $("jobs");
  body.replaceChildren();
  $("jobs-empty").hidden = jobs.length > 0;
  for (const job of jobs) {
    const row = document.createElement("tr");
    row.dataset.source = job.source;
    cell(row, job.source, "path");
    cell(row, job.status, `job-status status-${job.status}`);
    cell(row, iso(job.finishes));
    cell(row, job.status === "RUNNING" ? `${job.remaining_seconds} s` : "");
    const force = cell(row, "");
    for (const status of ["COMPLETE", "TIMEOUT", "FAILED"]) {
      const forceButton = button(status, () =>
        act(
          () => call("POST", `/jobs/${encodeURIComponent(job.source)}/status`, { status }),
          `${job.source}: ${status}.`,
        ),
      );
      forceButton.className = `force-${status}`;
      forceButton.disabled = job.status !== "RUNNING";
      force.appendChild(forceButton);
    }
    body.appendChild(row);
  }
}

// Faults

function showFaults(rules) {
  if (!changed("faults", rules)) return;
  const body = $("faults");
  body.replaceChildren();
  for (const rule of rules) {
    const row = document.createElement("tr");
    row.dataset.id = rule.id;
    cell(row, rule.id);
    cell(row, rule.method);
    cell(row, rule.path, "path");
    cell(row, rule.status);
    cell(row, rule.times === null ? "∞" : rule.times);
    cell(row, rule.latency_ms ? `${rule.latency_ms} ms` : "");
    cell(row, rule.drop ? "yes" : "");
    cell(row, rule.retry_after);
    cell(row, rule.matched, "matched");
    cell(row, rule.fired, "fired");
    cell(row, rule.remaining === null ? "∞" : rule.remaining);
    cell(row, "").appendChild(
      button("Remove", () =>
        act(() => call("DELETE", `/faults/${encodeURIComponent(rule.id)}`), `Removed ${rule.id}.`),
      ),
    );
    body.appendChild(row);
  }
}

// Coverage: of each API called, how many documented responses were answered, and the others.

function coverageName(item) {
  return item.kind === "value" ? item.label : `${item.operation} ${item.label}`;
}

function showCoverage(document_) {
  if (!changed("coverage", document_)) return;
  const body = $("coverage");
  body.replaceChildren();
  const called = Object.entries(document_.apis).filter(([, api]) => api.requests > 0);
  $("coverage-empty").hidden = called.length > 0;
  for (const [name, api] of called) {
    const row = document.createElement("tr");
    row.dataset.api = name;
    cell(row, name);
    cell(row, `${api.exercised} of ${api.documented}`, "exercised");
    const never = api.responses.filter((item) => item.count === 0).map(coverageName);
    cell(row, never.join(", "), "never");
    body.appendChild(row);
  }
}

function numberField(id) {
  const value = $(id).value.trim();
  return value === "" ? undefined : Number(value);
}

function faultFromForm() {
  const rule = { method: $("fault-method").value, path: $("fault-path").value.trim() };
  const fields = {
    status: "fault-status",
    times: "fault-times",
    latency_ms: "fault-latency",
    retry_after: "fault-retry-after",
  };
  for (const [name, id] of Object.entries(fields)) {
    const value = numberField(id);
    if (value !== undefined) rule[name] = value;
  }
  if ($("fault-drop").checked) rule.drop = true;
  return rule;
}

// Journal

function journalQuery() {
  const query = new URLSearchParams();
  const filters = { api: "filter-api", path: "filter-path", status: "filter-status", tenant: "filter-tenant" };
  for (const [name, id] of Object.entries(filters)) {
    const value = $(id).value.trim();
    if (value) query.set(name, value);
  }
  if (lastJournalId) query.set("since", String(lastJournalId));
  query.set("limit", String(JOURNAL_ROWS));
  return query;
}

function restartJournal() {
  lastJournalId = 0;
  journalEntries = [];
  selectedEntry = null;
  $("journal").replaceChildren();
  $("entry-detail").hidden = true;
}

function addJournalEntries(journal) {
  for (const entry of journal.entries) {
    lastJournalId = Math.max(lastJournalId, entry.id);
    journalEntries.push(entry);
    $("journal").prepend(journalRow(entry));
  }
  while (journalEntries.length > JOURNAL_ROWS) {
    journalEntries.shift();
    $("journal").lastElementChild.remove();
  }
  $("journal-count").textContent = `${journal.recorded} recorded, ${journal.entries.length ? "updated" : "live"}`;
}

function journalRow(entry) {
  const row = document.createElement("tr");
  row.dataset.id = String(entry.id);
  const statusClass = entry.status === null ? "dropped" : `http-${String(entry.status)[0]}`;
  row.className = statusClass + (entry.fault ? " faulted" : "");
  cell(row, entry.id);
  cell(row, iso(entry.time));
  cell(row, entry.api);
  cell(row, entry.tenant);
  cell(row, entry.method);
  cell(row, entry.path, "path");
  cell(row, entry.status === null ? "dropped" : entry.status, "code");
  cell(row, entry.fault, "fault");
  row.addEventListener("click", () => showEntry(entry, row));
  return row;
}

// Why a 4xx was refused: the message in the API's own error shape (Barchart's list of
// `{value: {code, message}}`, problem details' `detail`, `{code, message}`), found anywhere.
function reasonOf(body) {
  if (body === null || body === undefined) return null;
  if (typeof body === "string") return body;
  if (Array.isArray(body)) {
    for (const item of body) {
      const found = reasonOf(item);
      if (found) return found;
    }
    return null;
  }
  if (typeof body === "object") {
    for (const key of ["detail", "message", "error_description", "error"]) {
      if (typeof body[key] === "string") {
        const code = body.code !== undefined && body.code !== body[key] ? `${body.code}: ` : "";
        return code + body[key];
      }
    }
    for (const value of Object.values(body)) {
      const found = reasonOf(value);
      if (found) return found;
    }
  }
  return null;
}

function showEntry(entry, row) {
  if (selectedEntry) selectedEntry.classList.remove("selected");
  selectedEntry = row;
  row.classList.add("selected");
  $("entry-detail").hidden = false;
  $("entry-title").textContent = `#${entry.id} ${entry.method} ${entry.path} → ${entry.status ?? "dropped"}`;
  const request = {
    method: entry.method,
    path: entry.path,
    query: entry.query,
    headers: entry.headers,
    body: entry.body,
  };
  if (entry.headers_truncated) request.headers_truncated = true;
  if (entry.body_truncated) request.body_truncated = true;
  const response = {
    status: entry.status,
    headers: entry.response_headers,
    body: entry.response_body,
    duration_ms: entry.duration_ms,
    fault: entry.fault,
  };
  if (entry.response_body_truncated) response.body_truncated = true;
  $("entry-request").textContent = JSON.stringify(request, null, 2);
  $("entry-response").textContent = JSON.stringify(response, null, 2);
  const refused = entry.status !== null && entry.status >= 400 && entry.status < 500;
  const reason = refused ? reasonOf(entry.response_body) : null;
  $("entry-reason").hidden = !reason;
  $("entry-reason").textContent = reason ? `Refused: ${reason}` : "";
}

// Sandboxes

function showSandboxes(sandboxes) {
  const select = $("sandbox");
  const chosen = sessionStorage.getItem(SANDBOX_KEY) || "";
  const wanted = ["", ...sandboxes.map((sandbox) => sandbox.id)];
  const have = [...select.options].map((option) => option.value);
  if (wanted.join("\n") !== have.join("\n")) {
    select.replaceChildren();
    select.appendChild(new Option("default", ""));
    for (const sandbox of sandboxes) {
      const label = sandbox.name ? `${sandbox.name} (${sandbox.id})` : sandbox.id;
      select.appendChild(new Option(label, sandbox.id));
    }
  }
  if (chosen && !wanted.includes(chosen)) {
    sessionStorage.removeItem(SANDBOX_KEY);
    restartJournal();
    say(`The sandbox ${chosen} is gone; back to the default world.`, true);
  }
  select.value = sessionStorage.getItem(SANDBOX_KEY) || "";
}

// State

async function exportState() {
  const state = await call("GET", "/state");
  const blob = new Blob([JSON.stringify(state, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "events-mock-state.json";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

async function importState(file) {
  const text = await file.text();
  let state;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file.name} is not JSON: ${error.message}`);
  }
  await call("PUT", "/state", state);
}

// The refresh loop: everything, once a second.

async function refresh() {
  const sandboxes = await call("GET", "/sandboxes", undefined, "/__mock").catch(() => null);
  if (sandboxes) showSandboxes(sandboxes);
  const [clock, jobs, faults, journal, coverage] = await Promise.all([
    call("GET", "/clock"),
    call("GET", "/jobs"),
    call("GET", "/faults"),
    call("GET", `/journal?${journalQuery()}`),
    call("GET", "/coverage"),
  ]);
  showClock(clock);
  showJobs(jobs);
  showFaults(faults);
  showCoverage(coverage);
  if (journal.recorded < lastJournalId) {
    restartJournal(); // cleared or reset elsewhere: ids start again
    return;
  }
  addJournalEntries(journal);
}

async function poll() {
  if (polling) return;
  polling = true;
  try {
    await refresh();
    if ($("message").dataset.fromPoll) say("");
  } catch (error) {
    say(error.message, true, true);
  } finally {
    polling = false;
  }
}

function wire() {
  $("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    act(async () => {}, token ? "Token set for this tab." : "No token.");
  });
  $("sandbox").addEventListener("change", () => {
    const id = $("sandbox").value;
    if (id) sessionStorage.setItem(SANDBOX_KEY, id);
    else sessionStorage.removeItem(SANDBOX_KEY);
    restartJournal();
    act(async () => {}, id ? `Sandbox ${id}.` : "The default world.");
  });
  for (const id of ["advance-1m", "advance-15m"]) {
    $(id).addEventListener("click", () => advance(Number($(id).dataset.seconds)));
  }
  $("advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    advance(Number($("advance-seconds").value));
  });
  $("freeze").addEventListener("click", () => act(() => call("POST", "/clock/freeze"), "Frozen."));
  $("rate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const rate = Number($("rate").value);
    act(() => call("POST", "/clock/rate", { rate }), `Rate ${rate}.`);
  });
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => {
      const rule = await call("POST", "/faults", faultFromForm());
      say(`Added ${rule.id}.`);
    }, "Fault rule added.");
  });
  $("faults-clear").addEventListener("click", () =>
    act(() => call("DELETE", "/faults"), "No fault rules."),
  );
  $("coverage-clear").addEventListener("click", () =>
    act(() => call("DELETE", "/coverage"), "Coverage cleared."),
  );
  $("journal-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    restartJournal();
    act(async () => {});
  });
  $("journal-clear").addEventListener("click", () =>
    act(async () => {
      await call("DELETE", "/journal");
      restartJournal();
    }, "Journal cleared."),
  );
  $("reset").addEventListener("click", () => {
    if (!window.confirm("Reset this world: every event, job, fault rule and the journal?")) return;
    act(async () => {
      await call("POST", "/reset");
      restartJournal();
    }, "Reset.");
  });
  $("export").addEventListener("click", () => act(exportState, "State exported."));
  $("import").addEventListener("change", () => {
    const file = $("import").files[0];
    if (!file) return;
    act(() => importState(file), `Imported ${file.name}.`).finally(() => {
      $("import").value = "";
    });
  });
  poll();
  setInterval(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", wire);
