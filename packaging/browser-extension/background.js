// The background of the extension (a service worker in Chromium, an event page in
// Firefox): keeps the origin allow-list, sets the badge, answers the popup, owns
// the context menus, the omnibox and the routing rules. Only tabs whose origin is
// on the daemon's list are ever sent to the daemon (SPEC §10).

import { DEFAULT_DAEMON, Daemon, DaemonError, checkDaemonUrl, isWebUrl, originOf } from "./daemon.js";

const api = globalThis.browser ?? globalThis.chrome;
const IS_FIREFOX = api.runtime.getURL("").startsWith("moz-extension:");
const HOST = "dev.applinkd.host";
const POLL_ALARM = "applinkd-poll";
const BYPASS_RULE_BASE = 100000;
const ANSWERS_KEPT = 500;

// Everything below is rebuilt when the worker starts again; nothing here must
// outlive a restart except what storage holds (settings, the last list).
const state = {
  daemon: new Daemon(DEFAULT_DAEMON),
  disabledApps: new Set(),
  origins: null, // Set of origins, or null when not known (daemon down, or too old)
  routed: [],
  routeKey: undefined, // what the routing rules put in route.html's query
  generation: undefined,
  started: undefined, // when the daemon made its first snapshot (a restart starts generations again)
  down: null, // a message when the daemon did not answer
  errors: 0,
  originsMissing: false, // the daemon has no /api/v1/origins: nothing is sent
  native: false,
  rulesError: null, // why the routing rules could not be replaced, if they could not
  tabs: new Map(), // tabId → { url, result }
  answers: new Map(), // url → result, for the files' current generation (the last ANSWERS_KEPT)
  menuLinks: new Map(), // menu item id → { app, id, url }
  asked: 0, // how many tab lookups reached the daemon (for tests and the options page)
};

// ---- settings --------------------------------------------------------------

async function loadSettings() {
  const stored = await api.storage.local.get(["daemon", "disabledApps"]);
  const checked = checkDaemonUrl(stored.daemon ?? DEFAULT_DAEMON);
  state.daemon = new Daemon(checked.ok ? checked.url : DEFAULT_DAEMON);
  state.disabledApps = new Set(Array.isArray(stored.disabledApps) ? stored.disabledApps : []);
}

// ---- the allow-list --------------------------------------------------------

// Asks the daemon for its reload generation and fetches the origins again when
// it changed (or when `force`). Cheap: one small GET per poll.
async function refresh(force = false) {
  // An answer from a daemon the options no longer name is dropped.
  const daemon = state.daemon;
  let status;
  try {
    status = await daemon.status();
  } catch (e) {
    if (daemon !== state.daemon) return;
    state.down = e instanceof DaemonError ? e.message : String(e);
    await showDown();
    return;
  }
  if (daemon !== state.daemon) return;
  const wasDown = state.down !== null;
  state.down = null;
  state.errors = status.errors;
  const renewed = status.generation !== state.generation || status.started !== state.started;
  if (force || wasDown || state.origins === null || renewed) {
    try {
      const answer = await daemon.origins();
      if (daemon !== state.daemon) return;
      if (answer === null) {
        state.originsMissing = true;
        state.origins = new Set();
        state.routed = [];
      } else {
        state.originsMissing = false;
        state.origins = new Set(answer.origins);
        state.routed = answer.routed;
      }
      state.generation = status.generation;
      state.started = status.started;
      state.tabs.clear(); // records may have changed with the files
      state.answers.clear();
    } catch (e) {
      if (daemon !== state.daemon) return;
      state.down = e.message;
      await showDown();
      return;
    }
    await updateRoutingRules();
  }
  await api.action.setBadgeText({ text: "" });
  await api.action.setTitle({ title: "applinkd" });
  await relookAllTabs();
}

async function showDown() {
  await api.action.setBadgeBackgroundColor({ color: "#b00020" });
  await api.action.setBadgeText({ text: "!" });
  await api.action.setTitle({ title: `applinkd: ${state.down}` });
  // Per-tab badges would hide the global mark; drop them.
  for (const [tabId] of state.tabs) {
    await setBadge(tabId, { state: "down", message: state.down });
  }
  state.tabs.clear();
}

function known(url) {
  const origin = originOf(url);
  return origin !== null && state.origins !== null && state.origins.has(origin);
}

// ---- one tab ---------------------------------------------------------------

// What the extension knows about a URL: { state, answer?, others?, message? }.
// state: "unknown-origin" | "not-a-record" | "record" | "down" | "error".
async function lookup(url) {
  if (state.down !== null) return { state: "down", message: state.down };
  if (!known(url)) return { state: "unknown-origin", originsMissing: state.originsMissing };
  // A page seen again (tabs switched back and forth between records) is answered from
  // what the daemon said for this generation of the files: no request.
  const kept = state.answers.get(url);
  if (kept && kept.daemon === state.daemon && kept.generation === state.generation) return kept.result;
  // A lookup of the same URL on its way (started with the navigation, below) is shared.
  const running = lookups.get(url);
  if (running && running.daemon === state.daemon && running.generation === state.generation) return running.promise;
  const promise = ask(url);
  const entry = { daemon: state.daemon, generation: state.generation, promise };
  lookups.set(url, entry);
  try {
    return await promise;
  } finally {
    if (lookups.get(url) === entry) lookups.delete(url);
  }
}
const lookups = new Map(); // url → { daemon, generation, promise }: lookups on their way

// The daemon's answer for a URL of a known origin, kept for this generation of the files.
async function ask(url) {
  state.asked += 1;
  const daemon = state.daemon;
  const generation = state.generation;
  try {
    const answer = await daemon.show(url);
    const result =
      answer === null || !answer.record
        ? { state: "not-a-record", answer, errors: state.errors }
        : { state: "record", answer, others: otherApps(answer), errors: state.errors };
    if (daemon === state.daemon && generation === state.generation) {
      state.answers.delete(url);
      state.answers.set(url, { daemon, generation, result });
      if (state.answers.size > ANSWERS_KEPT) state.answers.delete(state.answers.keys().next().value);
    }
    return result;
  } catch (e) {
    if (e instanceof DaemonError && e.kind === "down") {
      state.down = e.message;
      await showDown();
      return { state: "down", message: e.message };
    }
    return { state: "error", message: e.message, errors: state.errors };
  }
}

// The apps of the record other than the one(s) the URL is in.
function otherApps(answer) {
  const current = new Set(answer.matches.map((m) => m.app));
  const seen = new Map();
  for (const link of answer.record.links ?? []) {
    if (!current.has(link.app) && !seen.has(link.app)) seen.set(link.app, link);
  }
  return [...seen.values()];
}

// One lookup per tab and URL: the events of one navigation (URL, then complete)
// share it, and a later event for the same URL reuses the answer.
const pending = new Map(); // tabId → { url, promise }
async function tabResult(tabId, url) {
  const cached = state.tabs.get(tabId);
  if (cached && cached.url === url) return cached.result;
  const inFlight = pending.get(tabId);
  if (inFlight && inFlight.url === url && inFlight.generation === state.generation) return inFlight.promise;
  const promise = (async () => {
    const result = await lookup(url);
    // The badge first: a tab in `state.tabs` has its badge set.
    await setBadge(tabId, result);
    if (result.state !== "down") state.tabs.set(tabId, { url, result });
    return result;
  })();
  pending.set(tabId, { url, generation: state.generation, promise });
  try {
    return await promise;
  } finally {
    if (pending.get(tabId)?.promise === promise) pending.delete(tabId);
  }
}

// How long badges took, in ms, from the tab's new URL (its navigation committing) to
// the badge set: the last 1000, for `scripts/bench` ("In the browser") and nothing else.
state.badgeTimes = [];
function noteBadgeTime(ms) {
  state.badgeTimes.push(ms);
  if (state.badgeTimes.length > 1000) state.badgeTimes.shift();
}

async function setBadge(tabId, result) {
  let text = "";
  let title = "applinkd";
  let color = "#1e5ac8";
  if (result.state === "record") {
    text = String(result.others.length);
    title = `applinkd: ${result.answer.record.kind} ${result.answer.record.name}, in ${result.others.length} other app(s)`;
  } else if (result.state === "down") {
    text = "!";
    color = "#b00020";
    title = `applinkd: ${result.message}`;
  } else if (result.state === "error") {
    text = "?";
    color = "#c77800";
    title = `applinkd: ${result.message}`;
  }
  if (result.errors > 0 && result.state !== "unknown-origin") {
    color = "#c77800";
    if (text === "") text = "?";
    title += ` (the link files have ${result.errors} error(s))`;
  }
  try {
    // At once: each is a round trip to the browser.
    await Promise.all([
      api.action.setBadgeBackgroundColor({ tabId, color }),
      api.action.setBadgeText({ tabId, text }),
      api.action.setTitle({ tabId, title }),
    ]);
  } catch {
    // The tab closed meanwhile.
  }
}

async function relookAllTabs() {
  const tabs = await api.tabs.query({});
  await Promise.all(tabs.filter((t) => t.url).map((t) => tabResult(t.id, t.url)));
  await updateOpenInMenu();
}

api.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.url || change.status === "complete") {
    const started = performance.now();
    ready
      .then(() => tabResult(tabId, tab.url ?? change.url))
      .then(() => {
        if (change.url) noteBadgeTime(performance.now() - started);
        return updateOpenInMenu();
      });
  }
  if (change.url) clearBypass(tabId, change.url);
});
api.tabs.onRemoved.addListener((tabId) => {
  state.tabs.delete(tabId);
  earlyRoutes.delete(tabId);
  routeAnswers.delete(tabId);
  if (bypasses.delete(tabId)) api.declarativeNetRequest.updateSessionRules({ removeRuleIds: [BYPASS_RULE_BASE + tabId] });
});

// A tab's lookup starts when its navigation starts, not when it commits: by then the
// answer is there or on its way, and the badge (which a browser can only set once the
// navigation has committed: committing clears a tab's badge) follows at once. The same
// rule as every lookup: only a URL of a known origin is sent. A navigation the routing
// rules will send to route.html also gets the host's `route` answer asked now (a
// lookup; nothing is opened before route.html is there).
api.webNavigation.onBeforeNavigate.addListener((details) => {
  if (details.frameId !== 0 || details.tabId < 0) return;
  ready.then(() => {
    lookup(details.url);
    askRouteEarly(details.tabId, details.url);
  });
});

// A tab that commits route.html starts its routing at once (see `routeEarly`); the
// commit says whether the tab came back to it through its history.
api.webNavigation.onCommitted.addListener((details) => {
  if (details.frameId !== 0 || details.tabId < 0) return;
  const history = (details.transitionQualifiers ?? []).includes("forward_back");
  routeEarly(details.tabId, details.url, { id: details.tabId }, history);
});
api.tabs.onActivated.addListener(() => ready.then(() => updateOpenInMenu()));

// ---- the native host -------------------------------------------------------

// One port to the host, kept open while the background lives (the host reads the
// link files once and answers each message in well under a millisecond; starting
// it for each message would cost a process start and a load of the files). Answers
// carry the request's `id`. A port that closes fails what it still owed, and the
// next message opens a new one; a host that does not answer in time fails its
// message (and its port is closed: what it says later could not be matched).
const NATIVE_TIMEOUT_MS = 10000;
let nativePort = null;
let nativeNext = 1;
const nativePending = new Map(); // id → { resolve, reject, timer, port }

function openNativePort() {
  const port = api.runtime.connectNative(HOST);
  port.onMessage.addListener((answer) => {
    const pending = answer && typeof answer === "object" ? nativePending.get(answer.id) : undefined;
    if (!pending) return;
    nativePending.delete(answer.id);
    clearTimeout(pending.timer);
    pending.resolve(answer);
  });
  port.onDisconnect.addListener(() => {
    dropNativePort(port, api.runtime.lastError?.message ?? port.error?.message ?? "the native host ended");
  });
  return port;
}

// `port` is no longer used: what it still owed fails with `why`.
function dropNativePort(port, why) {
  if (nativePort === port) nativePort = null;
  for (const [id, pending] of nativePending) {
    if (pending.port !== port) continue;
    nativePending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(new Error(why));
  }
}

function closeNativePort(port) {
  try {
    port.disconnect();
  } catch {
    // Already closed.
  }
  dropNativePort(port, "the native host did not answer in time");
}

function native(message) {
  return new Promise((resolve, reject) => {
    let port;
    try {
      port = nativePort ?? (nativePort = openNativePort());
    } catch (e) {
      reject(e);
      return;
    }
    const id = nativeNext++;
    const timer = setTimeout(() => closeNativePort(port), NATIVE_TIMEOUT_MS);
    nativePending.set(id, { resolve, reject, timer, port });
    try {
      port.postMessage({ ...message, id });
    } catch (e) {
      nativePending.delete(id);
      clearTimeout(timer);
      if (nativePort === port) nativePort = null;
      reject(e);
    }
  });
}

// Any answer, even an error one, means the host is installed and runs.
async function probeNative() {
  try {
    await native({ op: "route", url: "about:blank" });
    state.native = true;
  } catch {
    state.native = false;
  }
}

// Opens one link of a record as `applinkd open` would: through the native host
// when installed, else in a new tab through the daemon's redirect.
async function openLink(link, besideTab) {
  if (state.native && link.url) {
    try {
      const answer = await native({ op: "open", url: link.url });
      if (answer.ok) return { via: "native", answer: answer.answer };
    } catch {
      state.native = false;
    }
  }
  const url = link.id !== undefined ? state.daemon.redirect(link.app, link.id) : link.url;
  await api.tabs.create({ url, index: besideTab ? besideTab.index + 1 : undefined });
  return { via: "tab", url };
}

// ---- routing inside the browser ---------------------------------------------

function escapeRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

// One redirect rule per routed origin (apps with `native` or `open_with`, not
// switched off), to route.html with the URL after `#`. No host: no rules. Updates run
// one after the other: two at once would both read the old rules and add the same ids.
let rulesUpdate = Promise.resolve();
function updateRoutingRules() {
  const next = rulesUpdate.then(replaceRoutingRules, replaceRoutingRules);
  rulesUpdate = next.catch(() => {});
  return next;
}

// The origins the routing rules redirect (what `askRouteEarly` looks at).
let routingOrigins = new Set();

async function replaceRoutingRules() {
  const existing = await api.declarativeNetRequest.getDynamicRules();
  const removeRuleIds = existing.map((r) => r.id);
  const addRules = [];
  let key = state.routeKey;
  let origins = new Set();
  if (state.native) {
    // The key proves to route.html's request that the rule sent the tab there:
    // route.html is web-accessible, so any page could open it with a URL of its own.
    key = crypto.randomUUID();
    const page = api.runtime.getURL(`route.html?key=${key}`);
    origins = new Set(
      state.routed
        .filter((r) => (r.native || r.open_with) && !state.disabledApps.has(r.app) && originOf(r.origin))
        .map((r) => originOf(r.origin)),
    );
    let id = 1;
    for (const origin of origins) {
      addRules.push({
        id: id++,
        priority: 1,
        action: { type: "redirect", redirect: { regexSubstitution: `${page}#\\0` } },
        // GET only: a form posted to the site is never turned into a GET of route.html.
        condition: { regexFilter: `^${escapeRegex(origin)}/.*`, resourceTypes: ["main_frame"], requestMethods: ["get"] },
      });
    }
  }
  try {
    await api.declarativeNetRequest.updateDynamicRules({ removeRuleIds, addRules });
  } catch (e) {
    // Too many routed sites for the browser's rule limits, say: the rules in force stay,
    // with their key; routing is not half changed.
    state.rulesError = String(e?.message ?? e);
    return;
  }
  state.rulesError = null;
  state.routeKey = key;
  await api.storage.session.set({ routeKey: key });
  routingOrigins = origins;
}

// "Open in browser anyway": the tab's next top-level navigation is let through, once.
const bypasses = new Map(); // tabId → url
async function allowOnce(tabId, url) {
  bypasses.set(tabId, url);
  await api.declarativeNetRequest.updateSessionRules({
    removeRuleIds: [BYPASS_RULE_BASE + tabId],
    addRules: [
      {
        id: BYPASS_RULE_BASE + tabId,
        priority: 2,
        action: { type: "allow" },
        condition: { tabIds: [tabId], resourceTypes: ["main_frame"] },
      },
    ],
  });
}

// A web URL opened in `tabId` past the routing rules, once (a menu's "Open link in the
// browser anyway"). route.html loads its URL itself, replacing itself in the history.
async function bypass(tabId, url) {
  if (!isWebUrl(url)) return;
  await allowOnce(tabId, url);
  await api.tabs.update(tabId, { url });
}

// The first real navigation of the tab after the bypass (the URL, or where it
// redirected) uses it up; route.html itself (committing while the allowance is made)
// does not.
function clearBypass(tabId, url) {
  if (bypasses.has(tabId) && url !== "about:blank" && !url.startsWith(api.runtime.getURL("route.html"))) {
    bypasses.delete(tabId);
    api.declarativeNetRequest.updateSessionRules({ removeRuleIds: [BYPASS_RULE_BASE + tabId] });
  }
}

// The routing rules send a tab to route.html: routing starts as soon as the tab commits
// it, before the page has loaded and asked; the page's request (same tab, URL and key)
// gets that answer. Nothing else starts it: the key is checked as always. A tab that
// came back to route.html through its history (Back, Forward) is not routed again by
// itself: the page offers it.
const earlyRoutes = new Map(); // tabId → { url, key, promise }
function routeEarly(tabId, pageUrl, tab, history) {
  if (!pageUrl.startsWith(api.runtime.getURL("route.html"))) return;
  let parsed;
  try {
    parsed = new URL(pageUrl);
  } catch {
    return;
  }
  const url = parsed.hash.slice(1);
  const key = parsed.searchParams.get("key");
  if (!isWebUrl(url)) return;
  const earlier = earlyRoutes.get(tabId);
  if (earlier?.askedFirst && earlier.url === url && earlier.key === key) {
    // The page asked before this event came: it is being routed already.
    earlyRoutes.delete(tabId);
    return;
  }
  const promise = ready.then(() => routeFromPage(url, key, tab, { history }));
  earlyRoutes.set(tabId, { url, key, promise });
}

function routeAsked(message, tab) {
  const early = tab ? earlyRoutes.get(tab.id) : undefined;
  if (early && !early.askedFirst && early.url === message.url && early.key === message.key && !message.again) {
    earlyRoutes.delete(tab.id);
    return early.promise;
  }
  const how = { history: message.history === true && !message.again };
  const promise = routeFromPage(message.url, message.key, tab, how);
  if (tab) earlyRoutes.set(tab.id, { url: message.url, key: message.key, promise, askedFirst: true });
  return promise;
}

// The host's `route` answer for a URL, never failing (an error is an answer).
function askRoute(url) {
  return native({ op: "route", url }).catch((e) => ({ ok: false, error: { message: e.message } }));
}

// `route` asked when a navigation starts that the routing rules will send to
// route.html (a lookup only: what is opened is decided when route.html is there);
// taken by that tab's routing for the same URL, within ROUTE_EARLY_MS.
const ROUTE_EARLY_MS = 10000;
const routeAnswers = new Map(); // tabId → { url, at, promise }
function askRouteEarly(tabId, url) {
  const origin = originOf(url);
  if (!state.native || origin === null || !routingOrigins.has(origin) || bypasses.has(tabId)) return;
  // route.html gets the URL without its fragment (a request's URL has none).
  routeAnswers.set(tabId, { url: url.split("#")[0], at: performance.now(), promise: askRoute(url) });
}

function takeEarlyRoute(tabId, url) {
  const early = routeAnswers.get(tabId);
  if (!early || early.url !== url.split("#")[0]) return undefined;
  routeAnswers.delete(tabId);
  return performance.now() - early.at < ROUTE_EARLY_MS ? early.promise : undefined;
}

// What route.html asks: route the URL through the host and open it when the app has a
// desktop program; otherwise let the tab load it, once (`load`: route.html replaces
// itself with it, so that Back goes where the person was). A tab back on route.html
// through its history (`how.history`) opens nothing: the page offers it (`offer`).
async function routeFromPage(url, key, tab, how = {}) {
  if (state.routeKey === undefined) ({ routeKey: state.routeKey } = await api.storage.session.get("routeKey"));
  if (!isWebUrl(url)) return { routed: false };
  if (!key || key !== state.routeKey) {
    await allowOnce(tab.id, url);
    return { routed: false, load: url };
  }
  const origin = originOf(url);
  const answer = state.native ? await (takeEarlyRoute(tab.id, url) ?? askRoute(url)) : null;
  const route = answer && answer.ok ? answer.answer : null;
  const routed = route && (route.route === "native" || route.route === "open_with") && !state.disabledApps.has(route.app);
  if (!routed || origin === null) {
    await allowOnce(tab.id, url);
    return { routed: false, load: url };
  }
  const app = route.app_name ?? route.app;
  if (how.history) return { routed: false, offer: app };
  const opened = await native({ op: "open", url }).catch((e) => ({ ok: false, error: { message: e.message } }));
  if (!opened.ok) return { routed: false, error: opened.error?.message ?? "the native host could not open it" };
  return { routed: true, app, with: opened.answer?.with };
}

// ---- context menus ---------------------------------------------------------

async function setupMenus() {
  await api.contextMenus.removeAll();
  api.contextMenus.create({ id: "show-record", title: "Show the record", contexts: ["link", "page", "selection"] });
  api.contextMenus.create({ id: "open-anyway", title: "Open link in the browser anyway", contexts: ["link"] });
}

async function setOpenInItems(others) {
  for (const id of state.menuLinks.keys()) {
    await api.contextMenus.remove(id).catch(() => {});
  }
  state.menuLinks.clear();
  for (const link of others) {
    const id = `open-in:${link.app}`;
    state.menuLinks.set(id, link);
    api.contextMenus.create({ id, title: `Open in ${link.app_name ?? link.app}`, contexts: IS_FIREFOX ? ["page", "link"] : ["page"] });
  }
}

// Chromium cannot build a menu when it is shown: the items are those of the
// active tab's record, kept up to date as tabs change.
async function updateOpenInMenu() {
  if (IS_FIREFOX) return;
  const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
  const cached = tab ? state.tabs.get(tab.id) : undefined;
  const others = cached && cached.url === tab.url && cached.result.state === "record" ? cached.result.others : [];
  await setOpenInItems(others);
}

// Firefox builds "Open in <App>" for the link or page under the pointer.
const menus = api.menus ?? api.contextMenus;
async function onMenuShown(info) {
  const target = info.linkUrl ?? info.pageUrl;
  const result = target ? await lookup(target) : { state: "unknown-origin" };
  await setOpenInItems(result.state === "record" ? result.others : []);
  menus.refresh?.();
}
if (IS_FIREFOX && menus.onShown) menus.onShown.addListener(onMenuShown);

// A selection is taken as a URL when it is one, else as a name to search.
function selectionTarget(text) {
  const trimmed = (text ?? "").trim();
  try {
    const url = new URL(trimmed);
    if (url.protocol === "http:" || url.protocol === "https:") return { url: url.href };
  } catch {
    // not a URL
  }
  return { query: trimmed };
}

async function onMenuClicked(info, tab) {
  await ready;
  if (info.menuItemId === "show-record") {
    let page;
    if (info.linkUrl) page = state.daemon.showPage(info.linkUrl);
    else if (info.selectionText) {
      const target = selectionTarget(info.selectionText);
      page = target.url ? state.daemon.showPage(target.url) : state.daemon.indexPage(target.query);
    } else page = state.daemon.showPage(info.pageUrl ?? tab.url);
    return api.tabs.create({ url: page, index: tab ? tab.index + 1 : undefined });
  }
  if (info.menuItemId === "open-anyway" && info.linkUrl) {
    const created = await api.tabs.create({ url: "about:blank", index: tab ? tab.index + 1 : undefined });
    await bypass(created.id, info.linkUrl);
    return created;
  }
  const link = state.menuLinks.get(info.menuItemId);
  if (link) return openLink(link, tab);
}
api.contextMenus.onClicked.addListener((info, tab) => {
  onMenuClicked(info, tab);
});

// ---- omnibox ---------------------------------------------------------------

// Chromium's descriptions are XML; Firefox's are plain text.
function describe(text) {
  return IS_FIREFOX ? text : text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// What `al TEXT` means: a URL, an `APP ID` pair, or a name to search.
function parseOmnibox(text) {
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return { url: trimmed };
  const words = trimmed.split(/\s+/);
  if (words.length === 2 && words[0].includes(".")) return { app: words[0].toLowerCase(), id: words[1] };
  return { query: trimmed };
}

function omniboxPage(text) {
  const parsed = parseOmnibox(text);
  if (parsed.url) return state.daemon.showPage(parsed.url);
  if (parsed.app) return state.daemon.showPairPage(parsed.app, parsed.id);
  return state.daemon.indexPage(parsed.query);
}

async function suggest(text) {
  const parsed = parseOmnibox(text);
  if (parsed.url) return [{ content: parsed.url, description: describe(`Show the record of ${parsed.url}`) }];
  if (parsed.app) return [{ content: text.trim(), description: describe(`Show the record of ${parsed.app} ${parsed.id}`) }];
  if (parsed.query.length === 0) return [];
  const records = await state.daemon.records(parsed.query, 6).catch(() => []);
  const suggestions = [];
  for (const record of records) {
    const link = (record.links ?? [])[0];
    if (!link) continue;
    const apps = [...new Set(record.links.map((l) => l.app_name ?? l.app))].join(", ");
    suggestions.push({ content: `${link.app} ${link.id}`, description: describe(`${record.kind} ${record.name} — ${apps}`) });
  }
  return suggestions;
}

async function onOmniboxEntered(text, disposition) {
  await ready;
  const url = omniboxPage(text);
  if (disposition === "currentTab") {
    const [tab] = await api.tabs.query({ active: true, lastFocusedWindow: true });
    if (tab) return api.tabs.update(tab.id, { url });
  }
  return api.tabs.create({ url, active: disposition !== "newBackgroundTab" });
}

api.omnibox.setDefaultSuggestion({ description: describe("applinkd: a name, APP ID, or an App URL") });
api.omnibox.onInputChanged.addListener((text, send) => {
  ready.then(() => suggest(text)).then(send);
});
api.omnibox.onInputEntered.addListener((text, disposition) => {
  onOmniboxEntered(text, disposition);
});

// ---- messages from the popup, the options page and route.html -----------------

async function onMessage(message, sender) {
  await ready;
  switch (message?.type) {
    case "tab-state": {
      const tab = await api.tabs.get(message.tabId);
      const result = await tabResult(tab.id, tab.url);
      return { ...result, url: tab.url, daemon: state.daemon.base, native: state.native };
    }
    case "open-link":
      return openLink(message.link, message.tabId !== undefined ? await api.tabs.get(message.tabId) : undefined);
    case "route":
      return routeAsked(message, sender.tab);
    case "bypass":
      // route.html's "Open in browser anyway": it loads the URL itself (replacing itself).
      if (!isWebUrl(message.url)) return { ok: false };
      await allowOnce(sender.tab.id, message.url);
      return { ok: true, load: message.url };
    case "status":
      return {
        daemon: state.daemon.base,
        down: state.down,
        errors: state.errors,
        native: state.native,
        originsMissing: state.originsMissing,
        origins: state.origins ? state.origins.size : null,
        routed: state.routed,
        rulesError: state.rulesError,
        disabledApps: [...state.disabledApps],
      };
    case "settings-changed":
      await settingsChanged();
      return { ok: true };
    default:
      return { error: "unknown message" };
  }
}
api.runtime.onMessage.addListener((message, sender, reply) => {
  onMessage(message, sender).then(reply, (e) => reply({ error: String(e) }));
  return true;
});

async function settingsChanged() {
  await loadSettings();
  await probeNative();
  state.origins = null;
  state.tabs.clear();
  await refresh(true);
}

// What the options page does when a daemon address is saved.
async function useDaemon(url) {
  const checked = checkDaemonUrl(url);
  if (!checked.ok) throw new Error(checked.why);
  await api.storage.local.set({ daemon: checked.url });
  await settingsChanged();
}

// ---- start -----------------------------------------------------------------

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === POLL_ALARM) ready.then(() => refresh());
});
api.runtime.onInstalled.addListener(() => setupMenus());
api.runtime.onStartup?.addListener(() => setupMenus());

async function start() {
  await loadSettings();
  await api.alarms.create(POLL_ALARM, { periodInMinutes: 0.5 });
  await probeNative();
  await refresh(true);
}
const ready = start();

// For tests driving the worker over CDP or BiDi, and for a person in its console.
globalThis.applinkd = { state, ready, refresh, useDaemon, updateOpenInMenu, lookup, onMenuClicked, onOmniboxEntered, suggest, setupMenus, parseOmnibox, native, onMenuShown };
