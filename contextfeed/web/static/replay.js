// The replay banner: when the service replays a recorded scenario (GET /v1/replay answers), show the
// replayed instant, ticking, and the controls. Outside a replay that endpoint is 404 and the page is unchanged.
"use strict";

(function () {
  const KEY_STORAGE = "contextfeed.apiKey";
  const POLL_MS = 5000;
  const TICK_MS = 250;
  const $ = (id) => document.getElementById(id);
  // "Fri 19 Apr 2013 11:00:00 UTC": 24-hour, day before month, whatever the browser's locale.
  const PARTS = new Intl.DateTimeFormat("en-US", {
    weekday: "short", year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZone: "UTC",
  });
  const SHOWN = {
    format(date) {
      const part = Object.fromEntries(PARTS.formatToParts(date).map(({ type, value }) => [type, value]));
      return `${part.weekday} ${part.day} ${part.month} ${part.year} ${part.hour}:${part.minute}:${part.second}`;
    },
  };
  // What the "Jump to" field takes: UTC, ISO 8601 to the minute.
  const JUMP_FORMAT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?Z?$/;

  let state = null;       // the last answer of GET /v1/replay
  let fetchedAt = 0;      // performance.now() when it came
  let notReplay = false;  // a 404: this service is not a replay, stop asking

  class ReplayProblem extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function call(method, body) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    const response = await fetch("/v1/replay", { method, headers, body: body && JSON.stringify(body) });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new ReplayProblem(response.status, answer.message || `The service answered ${response.status}.`);
    return answer;
  }

  // The replayed instant now: the last state moved on by the real time since, times the speed.
  function replayedNow() {
    const base = Date.parse(state.instant);
    return state.paused ? base : base + (performance.now() - fetchedAt) * state.speed;
  }

  // The field follows the replay clock until the trainer starts typing in it, so Jump never goes back
  // to the instant the page was loaded at.
  let jumpEdited = false;

  function tick() {
    if (!state) return;
    const now = new Date(replayedNow());
    $("replay-instant").textContent = `${SHOWN.format(now)} UTC`;
    if (!jumpEdited && document.activeElement !== $("replay-at")) $("replay-at").value = now.toISOString().slice(0, 16);
  }

  // A shown briefing is for the instant it was asked at: ask again when the replay moved on.
  function refreshBriefing() {
    if (!$("briefing").hidden) $("lookup").requestSubmit();
  }

  // Shows the state; true when documents came in since the last one.
  function show(answer) {
    const arrived = state !== null && answer.documents_replayed !== state.documents_replayed;
    state = answer;
    fetchedAt = performance.now();
    $("replay").hidden = false;
    $("replay").classList.toggle("paused", answer.paused);
    $("replay-scenario").textContent = `Scenario ${answer.scenario}`;
    $("replay-speed").textContent = answer.paused ? `Paused · ${answer.speed}× when running` : `${answer.speed}× real time`;
    $("replay-toggle").textContent = answer.paused ? "Resume" : "Pause";
    const next = answer.next_document_at ? ` Next at ${SHOWN.format(new Date(answer.next_document_at))} UTC.` : "";
    $("replay-progress").textContent = `${answer.documents_replayed} of ${answer.documents_replayed + answer.documents_pending}`
      + ` recorded documents replayed.${next} Briefings and flags are as they were at the replayed time.`;
    if (window.contextfeedAgent) window.contextfeedAgent.followClock(replayedNow);
    if (!$("replay-speed-input").value) $("replay-speed-input").value = answer.speed;
    tick();
    return arrived;
  }

  function say(text) {
    $("replay-message").textContent = text;
    $("replay-message").hidden = !text;
  }

  async function poll() {
    if (notReplay || !sessionStorage.getItem(KEY_STORAGE)) return;
    try {
      if (show(await call("GET"))) refreshBriefing();
    } catch (problem) {
      if (problem.status === 404) notReplay = true;
    }
  }

  async function control(body) {
    try {
      show(await call("POST", body));
      say("");
      refreshBriefing();
    } catch (problem) {
      if (problem.status === 403) say("Only an admin key can pause, jump or change the speed; this key can watch the replay.");
      else if (problem.status === 401) say("Your API key was not accepted. Paste a valid key at the top right.");
      else say(problem.message || "The replay could not be changed; try again.");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const edit of ["input", "change"]) $("replay-at").addEventListener(edit, () => { jumpEdited = true; });
    $("replay-toggle").addEventListener("click", () => control({ action: state && state.paused ? "resume" : "pause" }));
    $("replay-jump").addEventListener("click", () => {
      const match = JUMP_FORMAT.exec($("replay-at").value.trim());
      if (!match) return say("Write the instant as 2013-04-19T11:00 (UTC, 24-hour).");
      jumpEdited = false;
      control({ action: "jump", at: `${match[1]}T${match[2]}${match[3] || ":00"}Z` });
    });
    $("replay-set-speed").addEventListener("click", () => {
      const speed = Number($("replay-speed-input").value);
      if (!(speed > 0)) return say("The speed must be a number above 0.");
      control({ action: "speed", speed });
    });
    // The key form's own handler (agent.js) has saved the key by the time this one runs.
    $("key-form").addEventListener("submit", () => setTimeout(poll));
    poll();
    setInterval(poll, POLL_MS);
    setInterval(tick, TICK_MS);
  });
})();
