// The side panel (and the web page at `/`): ask over the WebSocket `/ws` (REST `POST /api/v1/query/stream` when
// the socket fails), show the streamed answer, the results by service and the pending actions to confirm.
"use strict";

const P = window.WOPlatform;
const SERVICES = { gmail: "Email", calendar: "Calendar", drive: "Drive" };
const $ = (id) => document.getElementById(id);

const state = {
  server: "", // "" = same origin (the web page)
  token: null, // the server's bearer, when signed in
  demo: false,
  conversationId: null,
  ws: null,
  wsOpen: null,
  handlers: new Map(), // frame ref → handler of that query's frames
  nextRef: 1,
  busy: false,
  syncTimer: null,
};

// ---------------------------------------------------------------- small helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function shortDate(iso) {
  if (!iso) return "";
  const when = new Date(iso);
  return isNaN(when) ? "" : when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// A failure a person can act on: kind is offline | auth | rate_limited | not_ready | server.
class Failure extends Error {
  constructor(kind, message, retryAfter) {
    super(message);
    this.kind = kind;
    this.retryAfter = retryAfter || null;
  }
}

function serverName() {
  return state.server || location.origin;
}

// ---------------------------------------------------------------- REST

async function send(method, path, body, withToken = true) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (withToken && state.token) headers.Authorization = `Bearer ${state.token}`;
  try {
    return await fetch(state.server + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin",
    });
  } catch (error) {
    throw new Failure("offline", `Can't reach the server at ${serverName()}. Is it running?`);
  }
}

async function failureOf(response) {
  let data = {};
  try {
    data = await response.json();
  } catch (error) { /* not JSON: keep the status */ }
  const message = data.message || `The server answered ${response.status}.`;
  if (response.status === 401) {
    await forgetToken();
    return new Failure("auth", "Your sign-in has expired. Sign in again to continue.");
  }
  if (response.status === 429 || data.error === "rate_limited") {
    const wait = parseInt(response.headers.get("Retry-After") || "", 10);
    return new Failure("rate_limited", "Too many requests right now.", Number.isFinite(wait) ? wait : 5);
  }
  if (data.error === "not_ready") return new Failure("not_ready", message, 3);
  const failure = new Failure("server", message);
  failure.code = data.error;
  failure.status = response.status;
  failure.data = data;
  return failure;
}

async function api(method, path, body) {
  const response = await send(method, path, body);
  if (!response.ok) throw await failureOf(response);
  return response.status === 204 ? null : response.json();
}

// ---------------------------------------------------------------- problems (banner with a way out)

let retryProblem = null;

function showProblem(failure, retry) {
  const text = failure.kind === "rate_limited"
    ? `${failure.message} Try again in ${failure.retryAfter} s.`
    : failure.message;
  $("problem-text").textContent = text;
  $("problem").dataset.kind = failure.kind;
  retryProblem = retry || null;
  $("problem-retry").hidden = !retry || failure.kind === "auth";
  $("problem-sign-in").hidden = failure.kind !== "auth" && failure.kind !== "reauth";
  $("problem-options").hidden = !(failure.kind === "offline" && P.openOptions);
  $("problem").hidden = false;
  if (failure.kind === "auth") signedOut();
}

function clearProblem() {
  $("problem").hidden = true;
  delete $("problem").dataset.kind;
  retryProblem = null;
}

function report(error, retry) {
  if (error instanceof Failure) showProblem(error, retry);
  else showProblem(new Failure("server", `Something went wrong: ${error.message || error}`), retry);
}

// ---------------------------------------------------------------- sign-in

async function forgetToken() {
  state.token = null;
  await P.clearToken();
  closeSocket();
}

function showUser(email, demo) {
  state.demo = !!demo;
  $("who").textContent = email ? `Signed in as ${email}${demo ? " (demo)" : ""}` : "Demo mode (no sign-in needed)";
  $("sign-in").hidden = true;
  $("demo-sign-in").hidden = true;
}

function signedOut() {
  $("who").textContent = "Not signed in.";
  $("sign-in").hidden = false;
  $("demo-sign-in").hidden = !state.demo;
}

async function useToken(data) {
  state.token = data.token;
  await P.saveToken({ token: data.token, expires_at: data.expires_at, email: data.user && data.user.email });
  closeSocket();
}

// Sign in as far as it goes without asking (interactive=false) or with Chrome's sign-in prompt (true).
// Returns true when requests can be made: with the server's bearer, or credential-less in demo mode.
async function signIn(interactive) {
  const saved = await P.loadToken();
  if (saved && saved.token && !(saved.expires_at && Date.parse(saved.expires_at) <= Date.now())) {
    state.token = saved.token;
  } else if (saved) {
    await forgetToken();
  }
  if (!state.token) {
    let google = null;
    try {
      google = await P.googleToken(interactive);
    } catch (error) {
      google = null; // Chrome has no Google account for us (or no OAuth client): try without
    }
    if (google) {
      const response = await send("POST", "/auth/token", { google_access_token: google }, false);
      if (response.ok) await useToken(await response.json());
      else if (response.status === 401 || response.status === 403) await P.dropGoogleToken(google);
      else if (response.status !== 404 && response.status !== 405) throw await failureOf(response);
      // 404: this server has no sign-in endpoints; requests go without credentials (demo mode)
    }
  }
  const me = await send("GET", "/auth/me");
  if (me.ok) {
    const data = await me.json();
    showUser(data.email, data.demo);
    if (data.needs_reauth) {
      showProblem(new Failure("reauth", data.message || "Google access was revoked: sign in again to reconnect."));
    }
    return true;
  }
  if (me.status === 404 || me.status === 405) {
    showUser(null, true); // no sign-in on this server: the demo acts for the demo user
    return true;
  }
  const failure = await failureOf(me);
  if (failure.kind !== "auth") throw failure;
  signedOut();
  if (saved && !interactive) throw failure; // we had a sign-in and it no longer works: "expired"
  return false;
}

async function demoSignIn() {
  const response = await send("POST", "/auth/dev-login", {}, false);
  if (!response.ok) throw await failureOf(response);
  await useToken(await response.json());
  await start();
}

// ---------------------------------------------------------------- WebSocket

function closeSocket() {
  if (state.ws) state.ws.close();
  state.ws = null;
  state.wsOpen = null;
}

function socketUrl() {
  const url = new URL("/ws", state.server || location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (state.token) url.searchParams.set("token", state.token);
  return url.toString();
}

// The open socket (after the server's hello), opening it when needed.
function openSocket() {
  if (state.ws && state.wsOpen) return state.wsOpen;
  const ws = new WebSocket(socketUrl());
  state.ws = ws;
  state.wsOpen = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error("no hello")); ws.close(); }, 5000);
    ws.onmessage = (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (frame.type === "hello") {
        clearTimeout(timer);
        resolve(ws);
      } else if (state.handlers.has(frame.ref)) {
        state.handlers.get(frame.ref)(frame);
      }
    };
    ws.onclose = () => {
      clearTimeout(timer);
      reject(new Error("closed"));
      if (state.ws === ws) closeSocket();
      for (const handler of state.handlers.values()) handler({ type: "_closed" });
      state.handlers.clear();
    };
  });
  return state.wsOpen;
}

// One query over the socket; resolves at done/error, rejects (→ REST fallback) if the socket fails first.
async function askOverSocket(body, onFrame) {
  const ws = await openSocket();
  const ref = state.nextRef++;
  return new Promise((resolve, reject) => {
    state.handlers.set(ref, (frame) => {
      if (frame.type === "_closed") return reject(new Error("socket closed"));
      onFrame(frame);
      if (frame.type === "done" || frame.type === "error") {
        state.handlers.delete(ref);
        resolve();
      }
    });
    ws.send(JSON.stringify({ type: "query", id: ref, ...body }));
  });
}

// The same query as Server-Sent Events over fetch (the REST fallback).
async function askOverRest(body, onFrame) {
  const response = await send("POST", "/api/v1/query/stream", body);
  if (!response.ok) throw await failureOf(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let event = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) onFrame({ type: event, ...JSON.parse(data) });
    }
    if (done) return;
  }
}

// ---------------------------------------------------------------- rendering a turn

function renderTurn(question) {
  $("intro").hidden = true;
  const answer = el("div", { class: "answer-text", "aria-live": "polite", "aria-busy": "true" });
  const steps = el("ul", { class: "steps", "aria-label": "Progress" });
  const results = el("div", { class: "results" });
  const actions = el("div", { class: "actions" });
  const suggestions = el("div", { class: "suggestions" });
  const article = el("article", { class: "turn", "aria-label": `Answer to: ${question}` },
    el("p", { class: "question", text: question }), steps, answer, actions, results, suggestions);
  $("thread").append(article);
  article.scrollIntoView({ block: "end" });
  return { article, answer, steps, results, actions, suggestions, items: new Map(), text: "" };
}

function renderResults(turn, items) {
  for (const item of items || []) {
    if (!item || !item.service || !SERVICES[item.service]) continue;
    const key = `${item.service}:${item.id}`;
    if (!turn.items.has(key)) turn.items.set(key, item);
  }
  turn.results.textContent = "";
  for (const [service, label] of Object.entries(SERVICES)) {
    const group = [...turn.items.values()].filter((item) => item.service === service);
    if (!group.length) continue;
    const id = `${service}-${Math.random().toString(36).slice(2, 8)}`;
    const list = el("ol", { "aria-labelledby": id });
    for (const item of group) {
      const title = item.title || "(untitled)";
      const main = item.link
        ? el("a", { href: item.link, target: "_blank", rel: "noopener noreferrer", text: title })
        : el("span", { text: title });
      const meta = [item.who_name || item.who, shortDate(item.at)].filter(Boolean).join(" · ");
      list.append(el("li", { "data-service": service }, main, meta ? el("span", { class: "meta", text: meta }) : null));
    }
    turn.results.append(el("section", { class: `result-group ${service}` },
      el("h3", { id, text: `${label} (${group.length})` }), list));
  }
}

function renderSteps(turn, plan) {
  turn.steps.textContent = "";
  for (const step of plan.steps || []) {
    turn.steps.append(el("li", { "data-step": step.id, "data-state": "waiting", text: step.title || step.op }));
  }
}

function markStep(turn, id, stepState, message) {
  const item = turn.steps.querySelector(`[data-step="${CSS.escape(id)}"]`);
  if (!item) return;
  item.dataset.state = stepState;
  if (message) item.title = message;
}

const OUTCOME = { done: "Done.", cancelled: "Cancelled.", undone: "Undone.", expired: "This proposal expired; ask again.",
                  failed: "It could not be done." };

function renderAction(turn, action) {
  if (turn.actions.querySelector(`[data-action="${CSS.escape(action.id)}"]`)) return;
  const preview = action.preview || {};
  const titleId = `action-${action.id}`;
  const outcome = el("p", { class: "outcome", tabindex: "-1", "aria-live": "polite" });
  const card = el("section", { class: "action", "data-action": action.id, "data-state": "pending",
                               "aria-labelledby": titleId },
    el("h3", { id: titleId, text: preview.title || action.title || action.kind }));
  if (preview.lines && preview.lines.length) {
    card.append(el("ul", { class: "preview" }, ...preview.lines.map((line) => el("li", { text: line }))));
  }
  for (const warning of preview.warnings || []) card.append(el("p", { class: "warning", text: `⚠ ${warning}` }));
  const buttons = el("div", { class: "action-buttons" });
  const confirm = el("button", { type: "button", class: "primary", text: "Confirm",
                                 "aria-describedby": titleId });
  const cancel = el("button", { type: "button", text: "Cancel", "aria-describedby": titleId });
  buttons.append(confirm, cancel);
  card.append(outcome, buttons);
  turn.actions.append(card);

  async function decide(verb) {
    buttons.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    card.setAttribute("aria-busy", "true");
    try {
      const result = await api("POST", `/api/v1/actions/${encodeURIComponent(action.id)}/${verb}`, {});
      showOutcome(result);
    } catch (error) {
      if (error.data && error.data.action) showOutcome(error.data.action, error.message);
      else if (error.code === "expired") showOutcome({ state: "expired" });
      else if (error.code === "wrong_state") showOutcome({ state: error.data.state }, error.message);
      else {
        outcome.textContent = error.message;
        buttons.querySelectorAll("button").forEach((b) => { b.disabled = false; });
        if (error instanceof Failure && error.kind !== "server") report(error, () => decide(verb));
      }
    } finally {
      card.removeAttribute("aria-busy");
      outcome.focus();
    }
  }

  function showOutcome(result, message) {
    card.dataset.state = result.state;
    buttons.textContent = "";
    outcome.textContent = message || OUTCOME[result.state] || `Now ${result.state}.`;
    if (result.state === "failed" && result.error) outcome.textContent += ` ${result.error}`;
    if (result.state === "done" && result.undo && result.undo.possible) {
      buttons.append(el("button", { type: "button", text: "Undo", "aria-describedby": titleId,
                                    onclick: () => decide("undo") }));
    }
  }

  confirm.addEventListener("click", () => decide("confirm"));
  cancel.addEventListener("click", () => decide("cancel"));
}

// Notices from the error catalogue (a service that could not be reached, the AI service replaced by the offline
// one) that the answer's text does not already say.
function renderNotices(turn, notices, text) {
  for (const notice of notices || []) {
    if (!notice.message || (text || "").includes(notice.message)) continue;
    turn.answer.after(el("p", { class: "notice", role: "status", "data-error": notice.error, text: notice.message }));
  }
}

function renderSuggestions(turn, suggestions) {
  turn.suggestions.textContent = "";
  for (const text of suggestions || []) {
    if (text === "Confirm" || text === "Cancel") continue; // the action card has these
    turn.suggestions.append(el("button", { type: "button", class: "suggestion", text,
      onclick: () => { $("query").value = text; $("query").focus(); } }));
  }
}

function onFrame(turn, frame) {
  switch (frame.type) {
    case "conversation":
      state.conversationId = frame.conversation_id;
      break;
    case "plan":
      renderSteps(turn, frame);
      break;
    case "step_started":
      markStep(turn, frame.step, "running");
      break;
    case "step_done":
      markStep(turn, frame.step, frame.ok ? "done" : "failed", frame.message);
      renderResults(turn, frame.items);
      break;
    case "pending_action":
      renderAction(turn, frame);
      break;
    case "token":
      turn.text += frame.text || "";
      turn.answer.textContent = turn.text;
      break;
    case "done": {
      if (frame.conversation_id) state.conversationId = frame.conversation_id;
      const answer = frame.answer || {};
      if (answer.text !== undefined) turn.answer.textContent = answer.text;
      for (const result of frame.results || []) renderResults(turn, result.items);
      for (const action of frame.pending_actions || []) renderAction(turn, action);
      renderNotices(turn, frame.notices, turn.answer.textContent);
      renderSuggestions(turn, answer.suggestions);
      turn.answer.setAttribute("aria-busy", "false");
      turn.article.dataset.done = "true";
      break;
    }
    case "error":
      turn.answer.setAttribute("aria-busy", "false");
      turn.article.dataset.done = "error";
      if (frame.error === "unauthenticated") {
        forgetToken().then(() => showProblem(new Failure("auth", "Your sign-in has expired. Sign in again to continue.")));
      } else if (frame.error === "rate_limited") {
        showProblem(new Failure("rate_limited", "Too many requests right now.", frame.retry_after || 5));
      }
      turn.answer.textContent = frame.message || "Something went wrong.";
      turn.answer.classList.add("error");
      break;
    default:
      break; // intent: the answer says how it was read
  }
}

// ---------------------------------------------------------------- asking

async function ask(question) {
  if (state.busy) return;
  state.busy = true;
  $("send").disabled = true;
  clearProblem();
  const turn = renderTurn(question);
  const body = { query: question, request_id: uuid() };
  if (state.conversationId) body.conversation_id = state.conversationId;
  const frame = (f) => { onFrame(turn, f); turn.article.scrollIntoView({ block: "end" }); };
  try {
    try {
      await askOverSocket(body, frame);
    } catch (error) {
      // The socket failed before the answer ended: the same request over REST (its request_id makes it safe).
      turn.text = "";
      turn.answer.textContent = "";
      await askOverRest(body, frame);
    }
  } catch (error) {
    turn.answer.setAttribute("aria-busy", "false");
    turn.article.dataset.done = "error";
    turn.answer.textContent = error.message;
    turn.answer.classList.add("error");
    report(error, () => { turn.article.remove(); ask(question); });
  } finally {
    state.busy = false;
    $("send").disabled = false;
    refreshSync();
  }
}

// ---------------------------------------------------------------- history

async function loadHistory() {
  const list = $("history-list");
  list.textContent = "";
  const data = await api("GET", "/api/v1/conversations");
  $("history-empty").hidden = data.conversations.length > 0;
  for (const conversation of data.conversations) {
    const label = conversation.title || `Conversation of ${shortDate(conversation.created_at)}`;
    list.append(el("li", {}, el("button", { type: "button", class: "conversation", "data-id": conversation.id,
      onclick: () => openConversation(conversation.id).catch((error) => report(error)) },
      el("span", { text: label }), el("span", { class: "meta", text: shortDate(conversation.updated_at) }))));
  }
}

function toggleHistory(open) {
  const nav = $("history");
  nav.hidden = !open;
  $("history-toggle").setAttribute("aria-expanded", String(open));
  if (open) {
    loadHistory()
      .then(() => { const first = nav.querySelector("button"); if (first) first.focus(); })
      .catch((error) => report(error, () => toggleHistory(true)));
  } else {
    $("history-toggle").focus();
  }
}

function clearThread() {
  for (const turn of [...$("thread").querySelectorAll(".turn")]) turn.remove();
}

async function openConversation(id) {
  const data = await api("GET", `/api/v1/conversations/${encodeURIComponent(id)}`);
  clearThread();
  state.conversationId = data.id;
  for (const past of data.turns) {
    const turn = renderTurn(past.query);
    turn.answer.textContent = past.answer || "";
    turn.answer.setAttribute("aria-busy", "false");
    turn.article.dataset.done = "true";
    renderResults(turn, past.citations);
  }
  toggleHistory(false);
  $("query").focus();
}

function newConversation() {
  if (!$("history").hidden) toggleHistory(false);
  state.conversationId = null;
  clearThread();
  $("intro").hidden = false;
  $("query").focus();
}

// ---------------------------------------------------------------- sync status

function describeSync(services) {
  const parts = [];
  let busy = false;
  for (const [service, label] of Object.entries(SERVICES)) {
    const s = services[service];
    if (!s) continue;
    if (s.state === "running" || s.state === "queued" || s.queued) {
      busy = true;
      parts.push(s.items_total ? `${label} syncing (${s.items_done} of ${s.items_total})` : `${label} syncing`);
    } else if (s.state === "error") {
      parts.push(`${label}: sync failed${s.last_error ? ` (${s.last_error})` : ""}`);
    } else if (s.state === "needs_reauth") {
      parts.push(`${label}: reconnect your Google account`);
    } else if (s.state === "never") {
      parts.push(`${label}: not synced yet`);
    } else {
      parts.push(`${label} ✓`);
    }
  }
  const last = Object.values(services).map((s) => s.last_success_at).filter(Boolean).sort()[0];
  const text = parts.join(" · ") + (last && !busy ? ` — synced ${shortDate(last)}` : "");
  return { text, busy };
}

async function refreshSync() {
  clearTimeout(state.syncTimer);
  let busy = false;
  try {
    const data = await api("GET", "/api/v1/sync/status");
    const described = describeSync(data.services || {});
    busy = described.busy;
    $("sync-status").textContent = described.text;
    $("sync-status").dataset.state = busy ? "syncing" : "idle";
  } catch (error) {
    if (error.kind === "auth" || error.kind === "rate_limited") report(error, refreshSync);
    $("sync-status").textContent = error.kind === "offline" ? "Sync status unavailable (server offline)."
      : `Sync status unavailable: ${error.message}`;
    $("sync-status").dataset.state = "unknown";
  }
  state.syncTimer = setTimeout(refreshSync, busy ? 3000 : 60000);
}

async function syncNow() {
  try {
    await api("POST", "/api/v1/sync", {});
    $("sync-status").textContent = "Sync requested…";
  } catch (error) {
    report(error, syncNow);
  }
  setTimeout(refreshSync, 1000);
}

// ---------------------------------------------------------------- start

async function start() {
  clearProblem();
  closeSocket();
  state.server = await P.serverUrl();
  try {
    if (await signIn(false)) {
      refreshSync();
    } else {
      showProblem(new Failure("auth", "Sign in to use the assistant."));
    }
  } catch (error) {
    report(error, start);
  }
}

function wire() {
  const form = $("ask");
  const query = $("query");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = query.value.trim();
    if (!text || state.busy) return;
    query.value = "";
    ask(text);
  });
  query.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  const signInNow = () => {
    if (P.webLogin) return P.webLogin(); // the web page signs in through the server's Google flow
    forgetToken().then(() => signIn(true))
      .then((ok) => { if (ok) { clearProblem(); refreshSync(); } else showProblem(new Failure("auth", "Sign-in did not complete.")); })
      .catch((error) => report(error, signInNow));
  };
  $("sign-in").addEventListener("click", signInNow);
  $("problem-sign-in").addEventListener("click", signInNow);
  $("demo-sign-in").addEventListener("click", () => demoSignIn().catch((error) => report(error)));
  $("problem-retry").addEventListener("click", () => { const retry = retryProblem; clearProblem(); if (retry) retry(); });
  $("history-toggle").addEventListener("click", () => toggleHistory($("history").hidden));
  $("history").addEventListener("keydown", (event) => { if (event.key === "Escape") toggleHistory(false); });
  $("new-conversation").addEventListener("click", newConversation);
  $("sync-now").addEventListener("click", syncNow);
  if (P.openOptions) {
    $("open-options").hidden = false;
    $("open-options").addEventListener("click", () => P.openOptions());
    $("problem-options").addEventListener("click", () => P.openOptions());
  }
  P.onServerChange(() => { forgetToken().then(start); });
}

wire();
start();
