/*
 * revlens.js — the RevLens website tracker (Apache-2.0). No dependencies, no build step.
 *
 * A site pastes the snippet of docs/tracker.md; it defines a stub `window.revlens` that queues
 * calls in `revlens.q` and loads this file, which replaces the stub and replays the queue.
 *
 *   revlens.load(writeKey, {host, requireConsent, flushInterval, cookieDomain, captureForms})
 *   revlens.page(name?, properties?)          a page view (with the URL's UTM parameters)
 *   revlens.identify(userId?, traits?)        who the visitor is
 *   revlens.track(event, properties?)         anything else
 *   revlens.consent(true | false)             the visitor's choice (see "Privacy")
 *   revlens.flush()  revlens.reset()  revlens.anonymousId()
 *
 * Identity: a random anonymous id (UUID v4) in a first-party cookie `revlens_aid` (2 years,
 * SameSite=Lax, on the site's registrable domain when the browser allows it, so www. and app.
 * share it), copied to localStorage as a fallback when the cookie is gone.
 *
 * Forms: a submit of a form marked `data-revlens-form` sends a `Form Submitted` event and an
 * identify with the values of its fields marked `data-revlens-field="trait"`. Unmarked fields,
 * password fields and card fields are never read.
 *
 * Transport: messages wait in memory and leave as one Segment `/v1/batch` body every
 * `flushInterval` ms, and at once when the page is hidden, by navigator.sendBeacon (fetch with
 * keepalive when the beacon is refused). The body is JSON sent as text/plain with the write key
 * inside it (`writeKey`): a CORS "simple request", so no preflight and no Authorization header.
 * A batch the server could not take (network error, 429, 5xx) is retried; the server drops a
 * messageId it has seen, so a retry never counts twice.
 *
 * Privacy: with Do-Not-Track or Global Privacy Control on, nothing is sent and nothing is
 * stored. With `requireConsent: true`, nothing is sent and nothing is stored until
 * `revlens.consent(true)`; calls made before it are held in memory on the current page (at most
 * HELD_MAX), sent when consent comes, dropped on `consent(false)` or when the page is left.
 * `consent(false)` also deletes the cookie and the stored ids. The choice is remembered in
 * localStorage (`revlens_consent`) so later pages need not ask again.
 */
(function (window, document) {
  "use strict";

  const VERSION = "1.0.0";
  const LIBRARY = { name: "revlens.js", version: VERSION };
  const COOKIE = "revlens_aid";
  const STORED_ID = "revlens_aid";
  const STORED_USER = "revlens_uid";
  const STORED_CONSENT = "revlens_consent";
  const TWO_YEARS = 2 * 365 * 24 * 60 * 60; // cookie Max-Age, seconds
  const MAX_BATCH = 50;                      // messages per request
  const MAX_BODY = 60 * 1024;                // bytes per request: sendBeacon/keepalive take 64 KB
  const MAX_TRIES = 5;                       // sends of one message before it is given up
  const HELD_MAX = 100;                      // calls held while consent is pending
  const CAMPAIGN = {                         // URL parameter -> Segment context.campaign key
    utm_source: "source", utm_medium: "medium", utm_campaign: "name",
    utm_term: "term", utm_content: "content",
  };
  const CLICK_IDS = ["gclid", "bd_vid"];     // ad click ids kept under their own names
  const SECRET_AUTOCOMPLETE = /^(current-password|new-password|one-time-code|cc-)/;
  const SECRET_NAME = /pass(word)?|pwd|secret|token|密码/i;
  const TRAIT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

  if (window.revlens && window.revlens.version) return; // loaded twice: keep the first

  const stub = window.revlens || {};
  const state = {
    loaded: false,
    early: [],        // calls made before load()
    writeKey: "",
    host: "",
    options: {},
    anonymousId: "",
    userId: "",
    held: [],         // messages waiting for consent (no ids stamped yet)
    queue: [],        // messages ready to send
    tries: new Map(), // messageId -> sends that failed
    timer: 0,
    backoff: 0,       // extra delay after failed sends, ms
  };

  // -- privacy ---------------------------------------------------------------------------

  /** Do-Not-Track or Global Privacy Control: the browser says "do not track me". */
  function browserOptOut() {
    return navigator.doNotTrack === "1" || window.doNotTrack === "1" ||
      navigator.globalPrivacyControl === true;
  }

  /** "granted", "denied" or "pending" (requireConsent and no choice made yet). */
  function consentState() {
    if (browserOptOut()) return "denied";
    const choice = storageGet(STORED_CONSENT);
    if (choice === "1") return "granted";
    if (choice === "0") return "denied";
    return state.options.requireConsent ? "pending" : "granted";
  }

  // -- storage: cookie and localStorage --------------------------------------------------

  function storageGet(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function storageSet(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* storage disabled or full: the cookie still holds the id */ }
  }

  function readCookie(name) {
    for (const part of document.cookie.split(";")) {
      const eq = part.indexOf("=");
      if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
    }
    return null;
  }

  function writeCookie(name, value, maxAge, domain) {
    let cookie = name + "=" + encodeURIComponent(value) + "; Max-Age=" + maxAge +
      "; Path=/; SameSite=Lax";
    if (domain) cookie += "; Domain=" + domain;
    if (window.location.protocol === "https:") cookie += "; Secure";
    document.cookie = cookie;
  }

  /** The widest domain that takes a cookie: the browser refuses public suffixes (com, com.cn,
   * github.io), so the first suffix that sticks, shortest first, is the registrable domain.
   * "" (a host-only cookie) for IP addresses and single-label hosts such as localhost. */
  function cookieDomain() {
    if (state.options.cookieDomain !== undefined) return state.options.cookieDomain;
    const host = window.location.hostname;
    if (!host.includes(".") || /^[\d.]+$/.test(host) || host.includes(":")) return "";
    const labels = host.split(".");
    for (let i = labels.length - 2; i >= 0; i--) {
      const candidate = labels.slice(i).join(".");
      writeCookie("revlens_probe", "1", 10, candidate);
      if (readCookie("revlens_probe") === "1") {
        writeCookie("revlens_probe", "", 0, candidate);
        return candidate;
      }
    }
    return "";
  }

  function uuid4() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    const bytes = window.crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs https
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function usableId(value) {
    return typeof value === "string" && /^[A-Za-z0-9_.:-]{8,200}$/.test(value) ? value : "";
  }

  /** The visitor's anonymous id: cookie, else localStorage, else a new one; written back to
   * both so the cookie's two years start again at each visit. Only called once allowed. */
  function ensureIdentity() {
    if (!state.anonymousId) {
      state.anonymousId = usableId(readCookie(COOKIE)) || usableId(storageGet(STORED_ID)) ||
        uuid4();
      writeCookie(COOKIE, state.anonymousId, TWO_YEARS, cookieDomain());
      storageSet(STORED_ID, state.anonymousId);
    }
    if (state.userId) storageSet(STORED_USER, state.userId);
    else state.userId = storageGet(STORED_USER) || "";
  }

  function forgetIdentity() {
    writeCookie(COOKIE, "", 0, cookieDomain());
    writeCookie(COOKIE, "", 0, ""); // a host-only copy, if the domain changed since
    storageSet(STORED_ID, null);
    storageSet(STORED_USER, null);
    state.anonymousId = "";
    state.userId = "";
  }

  // -- messages --------------------------------------------------------------------------

  /** utm_* parameters as Segment's context.campaign (utm_campaign -> name), plus click ids. */
  function campaignOf(search) {
    const params = new URLSearchParams(search);
    const campaign = {};
    for (const [param, key] of Object.entries(CAMPAIGN)) {
      if (params.get(param)) campaign[key] = params.get(param);
    }
    for (const param of CLICK_IDS) {
      if (params.get(param)) campaign[param] = params.get(param);
    }
    return campaign;
  }

  function pageOf() {
    const url = window.location.href.split("#")[0];
    return {
      path: window.location.pathname, referrer: document.referrer,
      search: window.location.search, title: document.title, url: url,
    };
  }

  function contextOf(extra) {
    const context = {
      library: LIBRARY,
      page: pageOf(),
      userAgent: navigator.userAgent,
      locale: navigator.language,
      screen: { width: window.screen.width, height: window.screen.height },
    };
    try { context.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { }
    const campaign = campaignOf(window.location.search);
    if (Object.keys(campaign).length) context.campaign = campaign;
    return Object.assign(context, extra);
  }

  /** A Segment message; the ids are stamped when it may be sent (see `admit`). */
  function message(type, fields, context) {
    return Object.assign({
      type: type, messageId: uuid4(), timestamp: new Date().toISOString(),
      context: contextOf(context),
    }, fields);
  }

  function stamp(msg) {
    msg.anonymousId = state.anonymousId;
    if (state.userId && !msg.userId) msg.userId = state.userId;
    return msg;
  }

  /** Queue a message, hold it until consent, or drop it, as the visitor's choice says. */
  function admit(msg) {
    const consent = consentState();
    if (consent === "denied") return;
    if (consent === "pending") {
      if (state.held.length < HELD_MAX) state.held.push(msg);
      return;
    }
    ensureIdentity();
    state.queue.push(stamp(msg));
    schedule();
  }

  // -- transport -------------------------------------------------------------------------

  function endpoint() {
    return state.host.replace(/\/+$/, "") + "/v1/batch";
  }

  function schedule() {
    if (!state.timer && state.queue.length) {
      const wait = (state.options.flushInterval || 2000) + state.backoff;
      state.timer = window.setTimeout(() => { state.timer = 0; flush(false); }, wait);
    }
  }

  /** The next batch off the queue: at most MAX_BATCH messages and MAX_BODY bytes. */
  function nextBody() {
    const batch = [];
    let body = "";
    while (state.queue.length && batch.length < MAX_BATCH) {
      batch.push(state.queue[0]);
      const candidate = JSON.stringify({
        batch: batch, sentAt: new Date().toISOString(), writeKey: state.writeKey,
      });
      if (candidate.length > MAX_BODY && batch.length > 1) { batch.pop(); break; }
      body = candidate;
      state.queue.shift();
      if (candidate.length > MAX_BODY) break; // one message alone: the server says if too big
    }
    return { batch: batch, body: body };
  }

  /** Send everything queued. `leaving`: the page is being hidden, use the beacon. */
  function flush(leaving) {
    if (state.timer) { window.clearTimeout(state.timer); state.timer = 0; }
    if (consentState() !== "granted") return;
    while (state.queue.length) {
      const { batch, body } = nextBody();
      const blob = new Blob([body], { type: "text/plain" });
      if (leaving && navigator.sendBeacon && navigator.sendBeacon(endpoint(), blob)) continue;
      post(batch, body);
    }
  }

  function post(batch, body) {
    window.fetch(endpoint(), {
      method: "POST", body: body, keepalive: true, mode: "cors", credentials: "omit",
      headers: { "Content-Type": "text/plain" },
    }).then((response) => {
      // 400 names the messages it refused and takes the rest: retrying cannot help.
      if (response.status === 429 || response.status >= 500) retry(batch);
      else done(batch);
    }, () => retry(batch));
  }

  function done(batch) {
    state.backoff = 0;
    for (const msg of batch) state.tries.delete(msg.messageId);
  }

  function retry(batch) {
    const again = batch.filter((msg) => {
      const tries = (state.tries.get(msg.messageId) || 0) + 1;
      state.tries.set(msg.messageId, tries);
      if (tries < MAX_TRIES) return true;
      state.tries.delete(msg.messageId);
      return false;
    });
    state.queue.unshift(...again);
    state.backoff = Math.min(60000, (state.backoff || 1000) * 2);
    schedule();
  }

  // -- forms -----------------------------------------------------------------------------

  /** A field that must never be read, marked or not. */
  function secret(field) {
    const autocomplete = (field.getAttribute("autocomplete") || "").toLowerCase();
    return field.type === "password" || SECRET_AUTOCOMPLETE.test(autocomplete) ||
      SECRET_NAME.test(field.name || "") || SECRET_NAME.test(field.id || "");
  }

  function valueOf(field) {
    if (field.type === "checkbox") return field.checked;
    if (field.type === "radio") return field.checked ? field.value : undefined;
    if (field.type === "file") return undefined;
    if (field.multiple && field.selectedOptions) {
      return Array.from(field.selectedOptions, (option) => option.value);
    }
    const value = String(field.value || "").trim();
    return value ? value.slice(0, 1000) : undefined;
  }

  /** The marked, non-secret fields of a form as traits. */
  function traitsOf(form) {
    const traits = {};
    for (const field of Array.from(form.elements)) {
      const name = field.getAttribute("data-revlens-field");
      if (!name || !TRAIT_NAME.test(name) || field.disabled || secret(field)) continue;
      const value = valueOf(field);
      if (value !== undefined) traits[name] = value;
    }
    return traits;
  }

  function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-revlens-form")) return;
    const traits = traitsOf(form);
    const name = form.getAttribute("data-revlens-form") || form.id ||
      form.getAttribute("name") || window.location.pathname;
    if (Object.keys(traits).length) admit(message("identify", { traits: traits }));
    admit(message("track", {
      event: "Form Submitted",
      properties: { form: name, fields: Object.keys(traits) },
    }, { traits: traits }));
    flush(true); // the submit usually leaves the page
  }

  // -- the public API --------------------------------------------------------------------

  const api = {
    version: VERSION,

    load(writeKey, options) {
      if (state.loaded) return;
      state.writeKey = String(writeKey || "");
      state.options = Object.assign({}, options);
      const script = document.currentScript ||
        document.querySelector("script[src*='/t/revlens.js']");
      state.host = state.options.host || (script ? new URL(script.src).origin : "");
      state.loaded = true;
      if (state.options.captureForms !== false) document.addEventListener("submit", onSubmit);
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") flush(true);
      });
      window.addEventListener("pagehide", () => flush(true));
      const early = state.early.splice(0);
      for (const [method, args] of early) api[method].apply(api, args);
    },

    page(name, properties) {
      if (!state.loaded) return void state.early.push(["page", [name, properties]]);
      if (typeof name === "object" && name !== null) { properties = name; name = undefined; }
      const page = pageOf();
      const fields = { properties: Object.assign(page, properties) };
      if (name) fields.name = String(name);
      admit(message("page", fields));
    },

    identify(userId, traits) {
      if (!state.loaded) return void state.early.push(["identify", [userId, traits]]);
      if (typeof userId === "object" && userId !== null) { traits = userId; userId = undefined; }
      if (userId !== undefined && userId !== null && userId !== "") {
        state.userId = String(userId);
        if (consentState() === "granted") storageSet(STORED_USER, state.userId);
      }
      const fields = { traits: Object.assign({}, traits) };
      if (state.userId) fields.userId = state.userId;
      admit(message("identify", fields));
    },

    track(event, properties) {
      if (!state.loaded) return void state.early.push(["track", [event, properties]]);
      admit(message("track", { event: String(event), properties: Object.assign({}, properties) }));
    },

    /** The visitor's choice: true sends what was held and what follows; false drops it all,
     * deletes the cookie and the stored ids, and sends nothing more. */
    consent(granted) {
      if (!state.loaded) return void state.early.push(["consent", [granted]]);
      if (browserOptOut()) return;
      if (granted) {
        storageSet(STORED_CONSENT, "1");
        const held = state.held.splice(0);
        for (const msg of held) admit(msg);
        flush(false);
      } else {
        state.held = [];
        state.queue = [];
        forgetIdentity();
        storageSet(STORED_CONSENT, "0");
      }
    },

    /** Send what is queued now (e.g. before a single-page app changes view). */
    flush() {
      flush(false);
    },

    /** A new visitor on this device (e.g. after logout): new anonymous id, no user id. */
    reset() {
      if (!state.loaded) return;
      const consent = consentState();
      forgetIdentity();
      if (consent === "granted") ensureIdentity();
    },

    anonymousId() {
      if (!state.loaded) return "";
      return consentState() === "granted" ? (ensureIdentity(), state.anonymousId) : "";
    },
  };

  // The snippet's queue: load() first (wherever the site put it), then the calls in order.
  const queued = Array.isArray(stub.q) ? stub.q : [];
  window.revlens = api;
  for (const [, args] of queued.filter(([method]) => method === "load")) api.load.apply(api, args);
  for (const [method, args] of queued) {
    if (method !== "load" && typeof api[method] === "function") api[method].apply(api, args);
  }
})(window, document);
