// The one client of the applinkd daemon: GET only, loopback only, every answer
// checked for shape before anyone uses it. Nothing else in the extension fetches.

export const DEFAULT_DAEMON = "http://127.0.0.1:7133";

// How long one request may take: a daemon answering slowly must not leave a
// badge or a popup waiting forever.
const TIMEOUT_MS = 3000;

// Loopback names only (SPEC §10): 127.0.0.1, localhost and NAME.localhost, http,
// no path, query or credentials. The CSP's connect-src allows the same set.
export function checkDaemonUrl(text) {
  let url;
  try {
    url = new URL(String(text).trim());
  } catch {
    return { ok: false, why: "not a URL" };
  }
  if (url.protocol !== "http:") return { ok: false, why: "the daemon is reached over http://" };
  if (url.username || url.password) return { ok: false, why: "no user name or password in the URL" };
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    return { ok: false, why: "give the daemon's address only, like http://127.0.0.1:7133" };
  }
  const host = url.hostname.toLowerCase();
  const loopback = host === "127.0.0.1" || host === "localhost" || host.endsWith(".localhost");
  if (!loopback) return { ok: false, why: "only a loopback daemon: 127.0.0.1, localhost or NAME.localhost" };
  return { ok: true, url: url.origin };
}

// Whether `url` is a web URL (http or https): the only kind routing loads or routes.
export function isWebUrl(url) {
  return /^https?:\/\//i.test(url ?? "");
}

// The origin of a URL as the daemon lists them: lowercase scheme://host[:port].
export function originOf(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.origin.toLowerCase();
  } catch {
    return null;
  }
}

// `routed` as one entry per app and origin; an app may name one `origin` or a
// list of `origins`.
function routedEntries(routed) {
  if (!Array.isArray(routed)) return [];
  return routed
    .filter((r) => r && typeof r.app === "string")
    .flatMap((r) =>
      (Array.isArray(r.origins) ? r.origins : [r.origin])
        .filter((origin) => typeof origin === "string")
        .map((origin) => ({
          app: r.app,
          app_name: typeof r.app_name === "string" ? r.app_name : r.app,
          origin: origin.toLowerCase(),
          native: r.native === true,
          open_with: r.open_with === true,
        })),
    );
}

export class DaemonError extends Error {
  constructor(kind, message, status) {
    super(message);
    this.kind = kind; // "down" | "http" | "garbage"
    this.status = status;
  }
}

export class Daemon {
  constructor(base) {
    this.base = base;
  }

  url(path) {
    return this.base + path;
  }

  // GET path; resolves to {status, body} for JSON answers, throws DaemonError otherwise.
  async get(path) {
    let response;
    try {
      response = await fetch(this.url(path), {
        method: "GET",
        credentials: "omit",
        cache: "no-store",
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw new DaemonError("down", `applinkd is not answering at ${this.base} (${e.name})`);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new DaemonError("garbage", `applinkd at ${this.base} answered ${response.status} that is not JSON`, response.status);
    }
    if (body === null || typeof body !== "object") {
      throw new DaemonError("garbage", `applinkd at ${this.base} answered an unexpected shape`, response.status);
    }
    return { status: response.status, body };
  }

  async status() {
    const { status, body } = await this.get("/api/v1/status");
    if (status !== 200) throw new DaemonError("http", `status answered ${status}`, status);
    // `generation` is the reload counter; older daemons keep it under `last_reload`.
    const generation = body.generation ?? body.last_reload?.generation;
    // `started` tells a restarted daemon (whose generation starts at 0 again) apart.
    return { generation, started: body.started ?? null, errors: Number(body.errors) || 0 };
  }

  // The origins the apps and links name; null when the daemon has no such route yet.
  async origins() {
    const { status, body } = await this.get("/api/v1/origins");
    if (status === 404) return null;
    if (status !== 200 || !Array.isArray(body.origins)) {
      throw new DaemonError("garbage", `origins answered ${status} without a list`, status);
    }
    return {
      generation: body.generation,
      origins: body.origins.filter((o) => typeof o === "string").map((o) => o.toLowerCase()),
      routed: routedEntries(body.routed),
    };
  }

  // The record of an App URL, or null when the URL is no App URL (404).
  async show(url) {
    const { status, body } = await this.get("/api/v1/show?url=" + encodeURIComponent(url));
    if (status === 404) return null;
    // An App URL of no record answers its matches and no `record`.
    if (status !== 200 || !Array.isArray(body.matches)) {
      const message = body.error && body.error.message ? body.error.message : `show answered ${status}`;
      throw new DaemonError("http", message, status);
    }
    return body;
  }

  async records(q, limit = 8) {
    const { status, body } = await this.get(`/api/v1/records?q=${encodeURIComponent(q)}&limit=${limit}`);
    if (status !== 200 || !Array.isArray(body.records)) return [];
    return body.records;
  }

  async route(url) {
    const { status, body } = await this.get("/api/v1/route?url=" + encodeURIComponent(url));
    if (status !== 200) return null;
    return body;
  }

  // Pages a person opens in a tab (no fetch): the record page and the redirects.
  showPage(url) {
    return this.url("/show?url=" + encodeURIComponent(url));
  }

  showPairPage(app, id) {
    return this.url(`/show/${encodeURIComponent(app)}/${encodeURIComponent(id)}`);
  }

  redirect(app, id) {
    return this.url(`/${encodeURIComponent(app)}/${encodeURIComponent(id)}`);
  }

  indexPage(q) {
    return this.url("/?q=" + encodeURIComponent(q));
  }
}
