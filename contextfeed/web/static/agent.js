// The agent page: look an account up by id or phone and show its briefing from the keyed API.
// Feed text is shown with textContent only, and links only when they are http(s): alerts and news
// come from outside and must never become markup or script.
"use strict";

(function () {
  const KEY_STORAGE = "contextfeed.apiKey";
  const LEVELS = {
    do_not_chase: { title: "Do not chase", chip: "Do not chase" },
    caution: { title: "Caution", chip: "Caution" },
    info: { title: "Clear to call", chip: "For context" },
    clear: { title: "Clear to call" },
  };
  const $ = (id) => document.getElementById(id);

  function el(tag, className, ...children) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    for (const child of children) {
      if (child === null || child === undefined || child === "") continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }

  function safeLink(url, text) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
      const link = el("a", "event-link", text);
      link.href = parsed.href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    } catch {
      return null;
    }
  }

  // ---- time: every instant on the customer's clock first, then UTC, each with its own date, 24-hour ----
  const TIME = { hour: "2-digit", minute: "2-digit" };
  const DATE = { weekday: "short", month: "short", day: "numeric" };

  function format(isoUtc, timeZone, options) {
    return new Intl.DateTimeFormat("en-GB", { hourCycle: "h23", timeZone, ...options }).format(new Date(isoUtc));
  }

  // "Fri 19 Apr 20:00 EDT": the pieces in this order whatever the browser's locale, without commas.
  function stamp(isoUtc, timeZone) {
    const parts = {};
    const options = { ...DATE, ...TIME, hourCycle: "h23", timeZone, timeZoneName: "short" };
    for (const part of new Intl.DateTimeFormat("en-US", options).formatToParts(new Date(isoUtc))) {
      parts[part.type] = part.value;
    }
    const zone = timeZone === "UTC" ? "UTC" : parts.timeZoneName;
    return `${parts.weekday} ${parts.day} ${parts.month} ${parts.hour}:${parts.minute} ${zone}`;
  }

  // "Fri 19 Apr 20:00 EDT · Sat 20 Apr 00:00 UTC": the date on both sides, for they can differ.
  function clockText(isoUtc, timezone) {
    const utc = stamp(isoUtc, "UTC");
    return timezone ? `${stamp(isoUtc, timezone)} · ${utc}` : utc;
  }

  // Reads after "until": a flag without an end lasts until a supervisor releases it.
  function when(stamped, timezone) {
    return stamped ? clockText(stamped.utc, timezone) : "released";
  }

  // ---- the API ------------------------------------------------------------------------------
  class ApiProblem extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path) {
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (!key) throw new ApiProblem(0, "Enter your API key at the top right first.");
    const response = await fetch(path, { headers: { Authorization: `Bearer ${key}`, Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiProblem(response.status, body.message || `The service answered ${response.status}.`);
    return body;
  }

  function explain(problem) {
    if (problem.status === 401) {
      $("key-state").textContent = "Key not accepted";
      $("key-state").className = "key-state bad";
      return "Your API key was not accepted. Paste a valid key at the top right.";
    }
    if (problem.status === 403) return "This API key cannot read briefings: it needs the agent scope.";
    if (problem.status === 404) return problem.message.replace(/^no account/, "No account") + ".";
    return problem.message || "Something went wrong; try again.";
  }

  // ---- messages -----------------------------------------------------------------------------
  function showMessage(text) {
    $("message").textContent = text;
    $("message").hidden = !text;
  }

  function reset() {
    showMessage("");
    $("choices").hidden = true;
    $("choices").replaceChildren();
    $("briefing").hidden = true;
  }

  // ---- rendering ----------------------------------------------------------------------------
  function renderBanner(briefing, timezone) {
    const level = briefing.level || "clear";
    const banner = $("banner");
    banner.className = `banner level-${level}`;
    $("banner-level").textContent = LEVELS[level].title;
    const strongest = briefing.flags.filter((flag) => flag.level === briefing.level);
    let guidance = briefing.guidance;
    if (level === "clear") guidance = "Nothing is going on around this customer that changes this call.";
    if (level === "info") guidance = `${briefing.guidance} Nothing here changes this call.`;
    $("banner-guidance").textContent = guidance;
    const ends = strongest.map((flag) => flag.expires_at);
    let until = "";
    if (strongest.length && level !== "info") {
      until = ends.includes(null)
        ? "In force until a supervisor releases it."
        : `In force until ${when(ends.reduce((a, b) => (a.utc > b.utc ? a : b)), timezone)}.`;
    }
    $("banner-until").textContent = until;
  }

  function fact(list, label, ...value) {
    list.append(el("dt", null, label), el("dd", null, ...value));
  }

  // The customer's clock, shown for `isoUtc`: the briefing's instant, then moved on by the page's clock.
  function localTimeNodes(isoUtc, timezone) {
    return timezone
      ? [el("div", "local-time", format(isoUtc, timezone, TIME) + " " + stamp(isoUtc, timezone).split(" ").pop()),
        el("div", "sub", `${format(isoUtc, timezone, DATE)} · ${timezone} · ${stamp(isoUtc, "UTC")}`)]
      : [el("div", "local-time", `${format(isoUtc, "UTC", TIME)} UTC`),
        el("div", "sub", "The customer's time zone is unknown")];
  }

  // What "now" is for the page: the real clock, or the replay's (replay.js sets it), or frozen by ?at=.
  let shownAt = null;   // {utc, timezone, fetched: performance.now()} of the briefing on screen
  let pageClock = null;

  function tickLocalTime() {
    if (!shownAt || askedAt || $("briefing").hidden) return;
    const now = pageClock ? pageClock() : Date.parse(shownAt.utc) + (performance.now() - shownAt.fetched);
    $("local-time").replaceChildren(...localTimeNodes(new Date(now).toISOString(), shownAt.timezone));
  }

  function renderCustomer(briefing) {
    const account = briefing.account;
    const location = account.location;
    const facts = el("dl", "facts");
    const at = briefing.at;
    const localTime = el("div", null, ...localTimeNodes(at.utc, at.timezone));
    localTime.id = "local-time";
    shownAt = { utc: at.utc, timezone: at.timezone, fetched: performance.now() };
    fact(facts, "Local time", localTime);
    const hours = briefing.calling_hours;
    const chip = hours.inside === null
      ? el("span", "chip unknown", "Calling hours unknown")
      : el("span", hours.inside ? "chip ok" : "chip warn", hours.inside ? "Inside calling hours" : "Outside calling hours");
    fact(facts, "Calling hours", chip, " ", el("span", "sub", `${hours.start}–${hours.end} local`));
    fact(facts, "Location", location.label, el("div", "sub", `Known to: ${location.precision_text}`));
    if (location.note) fact(facts, "Note", el("span", "sub", location.note));
    fact(facts, "Phone", account.phone || "—");
    $("customer").replaceChildren(
      el("div", "customer-name", account.name || account.account_id),
      el("div", "customer-id", `Account ${account.account_id}`),
      facts,
    );
  }

  function renderReasons(briefing, timezone) {
    const items = briefing.flags.map((flag) => el("li", null,
      el("span", `chip level-${flag.level}`, LEVELS[flag.level].chip),
      el("span", "reason-text", flag.reason),
      el("span", "reason-meta", `${flag.match ? flag.match + " · " : ""}until ${when(flag.expires_at, timezone)}`
        + (flag.origin === "manual" ? ` · raised by ${flag.actor}` : "")),
    ));
    $("reasons").replaceChildren(...(items.length ? items : [el("li", "empty-note", "No active flags.")]));
  }

  function renderEvents(briefing, timezone) {
    const items = briefing.events.map((event) => {
      const relation = event.relation === "flag" ? "Behind the flag" : `Nearby${event.how ? " · " + event.how : ""}`;
      const sameName = event.source.toLowerCase() === (event.sender_name || "").toLowerCase();
      const source = [event.sender_name, sameName ? "" : event.source].filter(Boolean).join(" · ");
      return el("li", null,
        el("div", "event-head", el("span", "chip relation", relation), el("span", "event-title", event.headline)),
        el("div", "event-meta", `${source} · sent ${when(event.sent, timezone)}`),
        el("div", "event-meta", event.valid_until ? `In force until ${when(event.valid_until, timezone)}` : "No end given"),
        event.instruction ? el("p", "event-instruction", event.instruction) : null,
        event.link ? safeLink(event.link, "Open the source ↗") : null,
      );
    });
    $("events").replaceChildren(...(items.length ? items : [el("li", "empty-note", "No events around this customer.")]));
  }

  function renderMap(briefing) {
    const levelOf = new Map();
    for (const flag of briefing.flags) {
      for (const id of flag.event_ids) if (!levelOf.has(id)) levelOf.set(id, flag.level);
    }
    const areas = briefing.events.flatMap((event) => event.areas.map((area) => ({
      polygons: area.polygons, circles: area.circles, key: event.event_id,
      kind: event.relation === "flag" ? (levelOf.get(event.event_id) || "info") : "nearby",
      title: event.event_type || event.headline, sender: event.sender_name, distanceKm: event.distance_km,
    })));
    const location = briefing.account.location;
    const point = location.lat !== null && location.lon !== null ? [location.lat, location.lon] : null;
    window.contextfeedMap.drawMap($("map"), areas, point);
  }

  function render(briefing) {
    const timezone = briefing.at.timezone;
    renderBanner(briefing, timezone);
    renderCustomer(briefing);
    renderReasons(briefing, timezone);
    renderEvents(briefing, timezone);
    $("briefing").hidden = false;
    renderMap(briefing);  // once shown: Leaflet measures its container
  }

  // ---- lookups ------------------------------------------------------------------------------
  // `?at=` in the address bar asks about another instant (training, replays); the page says so plainly.
  const askedAt = new URLSearchParams(location.search).get("at");

  function showAskedAt() {
    if (!askedAt) return;
    const parsed = new Date(askedAt);
    const [weekday, day, month, time] = stamp(parsed.toISOString(), "UTC").split(" ");
    const shown = Number.isNaN(parsed.getTime()) ? askedAt
      : `${weekday} ${day} ${month} ${parsed.getUTCFullYear()} ${time} UTC`;
    $("notices").append(el("div", "notice", `Briefings on this page are for ${shown}, not for now (set by the address bar).`));
  }

  async function brief(accountId) {
    const query = askedAt ? `?${new URLSearchParams({ at: askedAt })}` : "";
    render(await api(`/v1/accounts/${encodeURIComponent(accountId)}/context${query}`));
  }

  function choose(accounts) {
    const items = accounts.map((account) => {
      const button = el("button", "link", `${account.name || account.account_id} — account ${account.account_id}`);
      button.type = "button";
      button.addEventListener("click", () => run(() => brief(account.account_id)));
      return el("li", null, button, el("div", "sub", account.location.label));
    });
    $("choices").replaceChildren(...items);
    $("choices").hidden = false;
    showMessage("");
  }

  async function lookup(text) {
    const query = text.trim();
    if (!query.startsWith("+")) return brief(query);
    const phone = "+" + query.replace(/[^0-9]/g, "");
    const found = await api(`/v1/accounts?phone=${encodeURIComponent(phone)}`);
    if (found.accounts.length === 1) return brief(found.accounts[0].account_id);
    if (!found.accounts.length) throw new ApiProblem(404, `no account with phone ${phone}`);
    choose(found.accounts);
  }

  async function run(action) {
    reset();
    try {
      await action();
    } catch (problem) {
      showMessage(problem instanceof ApiProblem ? explain(problem) : "The service could not be reached.");
    }
  }

  // ---- wiring -------------------------------------------------------------------------------
  function showKeyState() {
    const saved = sessionStorage.getItem(KEY_STORAGE);
    $("key-state").textContent = saved ? "Key saved for this tab" : "No key yet";
    $("key-state").className = saved ? "key-state" : "key-state bad";
  }

  // replay.js: the customer's clock follows the replayed instant (a function returning epoch ms).
  window.contextfeedAgent = { followClock: (clock) => { pageClock = clock; tickLocalTime(); } };

  document.addEventListener("DOMContentLoaded", () => {
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("api-key").value.trim();
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      $("api-key").value = "";
      showKeyState();
      $("query").focus();
    });
    $("lookup").addEventListener("submit", (event) => {
      event.preventDefault();
      run(() => lookup($("query").value));
    });
    showKeyState();
    showAskedAt();
    setInterval(tickLocalTime, 1000);
    const account = new URLSearchParams(location.search).get("account");
    if (account) {
      $("query").value = account;
      run(() => lookup(account));
    }
  });
})();
