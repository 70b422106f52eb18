/*
 * Flow inspector: the panel #flow-inspector that lists every hop of the quote flow as it
 * happens, each step an element [data-step=NAME] with a caption a consultant can read aloud.
 *
 * The portal renders the panel and this script only when it runs with --inspector. The quote
 * scripts report what they do through window.FlowInspector (and do nothing extra when it is not
 * there, so they still work pasted into a real portal). The steps live in sessionStorage, so the
 * redirect page also shows the steps of the pages before it. Tokens are kept there only
 * shortened; the whole token stays in this page's memory, for a trace the presenter asks for.
 *
 * Presenter mode pauses before each request the page makes (Next button or right-arrow key),
 * shows large type and masks tokens until clicked.
 *
 * Plain JavaScript, no jQuery; every value goes into the page as text.
 */
(function (window, document) {
  "use strict";

  const FLOW_KEY = "flowInspector.flow";
  const PRESENTER_KEY = "flowInspector.presenter";
  const SHOWN_CHARACTERS = 10;

  const TITLES = {
    "authorize-request": "The page sends the browser to the portal's authorize endpoint",
    "token-request": "The page asks the portal's token endpoint for a token",
    "sign-in": "The portal asks the user to sign in",
    "token-issued": "The portal redirects back with the token in the fragment",
    "token-received": "The portal answers with the token in the response body",
    "state-validated": "The page checks the state",
    "api-request": "The page calls the quote API with the token",
    "api-validated": "The quote API checks the token",
    "quote-rendered": "The page shows the quotes",
  };

  const CAPTIONS = {
    "authorize-request":
      "The page makes a fresh random state, keeps it in a cookie only the redirect page can " +
      "read, and sends the browser to /_services/auth/authorize. The client id and redirect " +
      "URI must match the portal's site settings exactly, or the portal refuses.",
    "token-request":
      "The page posts to /_services/auth/token on its own portal, so the portal's sign-in " +
      "cookie goes along. This is the path Microsoft supports today; no redirect is needed.",
    "sign-in":
      "The browser had no portal session, so the portal sent it to its sign-in page first. " +
      "Once the user signs in, the portal takes the browser back to the original request.",
    "token-issued":
      "The portal signed a token for the signed-in contact and redirected the browser to the " +
      "registered redirect URI, with the token after the #. Browsers never send the part " +
      "after # to a server, so the token reached only this page.",
    "token-received":
      "The token came back in the body of a same-origin response, with expires_in as a " +
      "response header. The page that asked is the page that got it, so there is no state to " +
      "match here.",
    "state-validated":
      "The page compares the state it kept in its cookie with the state that came back, and " +
      "deletes the cookie so the answer can be used once. A mismatch means the answer did not " +
      "come from a request this browser made, so the page stops.",
    "api-request":
      "The page calls the quote API on another origin with the token in the Authorization " +
      "header. Because of that header the browser first asks the API's permission with a CORS " +
      "preflight (OPTIONS); the API grants only the portal's origin.",
    "api-validated":
      "The quote API checked the token itself: the signature with the portal's public key, " +
      "the issuer, the audience and the lifetime. These results come from the API's own " +
      "record of this very request.",
    "quote-rendered":
      "The API answered with this contact's quotes only, found by the token's sub claim. " +
      "The page shows them; the token stays in memory and is gone when the page closes.",
  };

  const configBlock = document.getElementById("inspector-config");
  let config = {};
  try {
    config = JSON.parse((configBlock && configBlock.textContent) || "{}");
  } catch (error) {
    config = {};
  }

  // Whole secret values of this page only, by "step/label"; never put in storage.
  const wholeValues = {};
  // Masked values the presenter has clicked open on this page, by "step/label".
  const revealed = {};
  let pendingNext = null;

  // --- Storage ---

  function loadFlow() {
    try {
      const flow = JSON.parse(window.sessionStorage.getItem(FLOW_KEY) || "null");
      if (flow && Array.isArray(flow.steps)) {
        return flow;
      }
    } catch (error) {
      // A damaged entry is the same as none.
    }
    return { path: null, startedAt: null, steps: [] };
  }

  function saveFlow(flow) {
    try {
      window.sessionStorage.setItem(FLOW_KEY, JSON.stringify(flow));
    } catch (error) {
      // Storage full or refused: the panel still shows this page's steps.
    }
  }

  function presenterOn() {
    const chosen = window.sessionStorage.getItem(PRESENTER_KEY);
    if (chosen === "on" || chosen === "off") {
      return chosen === "on";
    }
    return Boolean(config.presenter);
  }

  // --- Values ---

  /** The first characters of a secret and its length: enough to tell it apart, not to use it. */
  function shorten(value) {
    const text = String(value || "");
    if (text.length <= SHOWN_CHARACTERS) {
      return text;
    }
    return text.slice(0, SHOWN_CHARACTERS) + "… (" + text.length + " characters)";
  }

  function decodeSegment(segment) {
    try {
      const base64 = segment.replace(/-/g, "+").replace(/_/g, "/");
      const padded = base64 + "===".slice((base64.length + 3) % 4);
      const bytes = Uint8Array.from(window.atob(padded), function (c) {
        return c.charCodeAt(0);
      });
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return null;
    }
  }

  function decodeToken(token) {
    const parts = String(token || "").split(".");
    if (parts.length !== 3) {
      return { header: null, claims: null };
    }
    return { header: decodeSegment(parts[0]), claims: decodeSegment(parts[1]) };
  }

  function field(label, value, options) {
    const text = value === undefined || value === null ? "" : String(value);
    return Object.assign({ label: label, value: text }, options);
  }

  function secretField(stepName, label, whole, shortened) {
    wholeValues[stepName + "/" + label] = whole;
    return field(label, shortened === undefined ? shorten(whole) : shortened, { secret: true });
  }

  function time(epochSeconds) {
    return new Date(epochSeconds * 1000).toLocaleTimeString();
  }

  // --- What each step shows ---

  function describeAuthorize(data) {
    return [
      field("URL", data.url),
      field("client_id", data.clientId),
      field("redirect_uri", data.redirectUri),
      field("response_type", data.responseType),
      field("state", data.state),
      field("nonce", data.nonce || "(none sent)"),
      field("State cookie", data.stateCookie + ", readable only on " + data.cookiePath),
    ];
  }

  function describeTokenRequest(data) {
    return [
      field("Request", "POST " + data.url),
      field("client_id", data.clientId),
      field("X-Requested-With", "XMLHttpRequest (jQuery sends it; the portal then answers 200 " +
        "with X-Responded-JSON instead of redirecting an anonymous caller)"),
      field("Credentials", "the portal's own sign-in cookie, same origin"),
    ];
  }

  function tokenFields(stepName, token, expiresIn) {
    const decoded = decodeToken(token);
    const fields = [secretField(stepName, "Token", token)];
    fields.push(field("expires_in", expiresIn));
    const header = decoded.header ? JSON.stringify(decoded.header) : "(unreadable)";
    fields.push(field("Header", header, { code: true }));
    const claims = decoded.claims ? JSON.stringify(decoded.claims, null, 2) : "(unreadable)";
    fields.push(field("Claims", claims, { code: true }));
    if (decoded.claims && typeof decoded.claims.exp === "number") {
      fields.push(field("Expires", "at " + time(decoded.claims.exp), {
        countdown: decoded.claims.exp * 1000,
      }));
    }
    return { fields: fields, claims: decoded.claims };
  }

  function describeTokenIssued(data, flow) {
    const stepName = "token-issued";
    const fields = [];
    const shownFragment = (data.fragment || "").replace(/(^|&)token=[^&]*/, function (match, lead) {
      return lead + "token=" + shorten(data.token);
    });
    fields.push(secretField(stepName, "Redirected to", data.redirectedTo, data.fragment
      ? data.redirectedToPath + "#" + shownFragment
      : data.redirectedToPath + " (no fragment)"));
    fields.push(field("Reached a server?", "No. This portal's server received only \"" +
      (config.serverSaw || "") + "\": the fragment after # stayed in the browser."));
    if (!data.token) {
      fields.push(field("Token", "(none in the fragment)"));
      return { fields: fields, status: "failed", reason: "The answer carries no token." };
    }
    const tokenPart = tokenFields(stepName, data.token, data.expiresIn);
    fields.push.apply(fields, tokenPart.fields);
    const request = findStep(flow, "authorize-request");
    const sentNonce = request && request.data ? request.data.nonce : null;
    if (sentNonce && tokenPart.claims) {
      const same = tokenPart.claims.nonce === sentNonce;
      fields.push(field("nonce", same ? "matches the one sent" : "differs from the one sent"));
    }
    return { fields: fields };
  }

  function describeTokenReceived(data) {
    if (data.error) {
      return {
        fields: [field("Answer", String(data.status)), field("Portal said", data.error)],
        status: "failed",
        reason: data.error,
      };
    }
    const part = tokenFields("token-received", data.token, data.expiresIn);
    return {
      fields: [
        field("Answer", "200, body: the token as plain text (not JSON)"),
        field("state header", data.state || "(none: the page sent none)"),
      ].concat(part.fields),
    };
  }

  function describeState(data) {
    return {
      fields: [
        field(
          "Cookie held",
          data.expected === null ? "(nothing: no pending request)" : data.expected,
        ),
        field("Came back", data.received || "(no state in the answer)"),
        field("Result", data.passed ? "pass: the states are equal" : "fail: " + data.reason),
        field("Cookie", "deleted, so this answer cannot be used twice"),
      ],
      status: data.passed ? "done" : "failed",
      reason: data.passed ? null : data.reason,
    };
  }

  function describeApiRequest(data) {
    const fields = [
      field("Request", data.method + " " + data.url),
      secretField("api-request", "Authorization", "Bearer " + data.token, "Bearer " +
        shorten(data.token)),
      field("Origin", window.location.origin),
      field("CORS preflight", "OPTIONS " + data.url + " with Access-Control-Request-Headers: " +
        "authorization, because that header is not one a browser sends freely"),
    ];
    if (data.status !== undefined) {
      fields.push(field("Answer", data.status === 0 ? "none readable (refused by CORS, or the " +
        "API is down)" : String(data.status)));
      if (data.requestId) {
        fields.push(field("X-Request-Id", data.requestId));
      }
    }
    return {
      fields: fields,
      status: data.status === 0 || data.status >= 400 ? "failed" : "done",
    };
  }

  function describeApiValidated(data) {
    if (data.loading) {
      return { fields: [field("Record", "reading the API's record of request " + data.requestId)],
        status: "waiting" };
    }
    if (data.error) {
      return { fields: [field("Record", data.error)], status: "failed", reason: data.error };
    }
    const record = data.record;
    const fields = [
      field("Outcome", record.outcome + (record.reason ? ": " + record.reason : "") + " (HTTP " +
        record.status + ")"),
    ];
    (record.checks || []).forEach(function (check) {
      fields.push(field(check.name, (check.passed ? "pass" : "FAIL") +
        (check.detail ? " — " + check.detail : ""), { check: check.passed ? "pass" : "fail" }));
    });
    if (record.token_fingerprint) {
      fields.push(field("Token fingerprint", "SHA-256 " + record.token_fingerprint +
        "… (the API keeps no token)"));
    }
    if (record.claims && Object.keys(record.claims).length) {
      fields.push(field("Claims it read", JSON.stringify(record.claims, null, 2), { code: true }));
    }
    const preflight = record.preflight;
    fields.push(field("CORS preflight", preflight
      ? "OPTIONS at " + preflight.at + " from " + preflight.origin + ", asking for " +
        (preflight.request_headers || "no headers") + ": allowed origin " +
        (preflight.allowed_origin || "none") + " (the browser keeps the answer for " +
        (preflight.max_age || "0") + " s)"
      : "none recorded (the browser may have reused an earlier answer)"));
    return {
      fields: fields,
      status: record.outcome === "accepted" ? "done" : "failed",
      reason: record.outcome === "accepted" ? null : record.reason,
    };
  }

  function describeQuotes(data) {
    return {
      fields: [
        field("Quotes", String(data.count)),
        field("For", data.who || "(unknown)"),
      ],
    };
  }

  function describeSignIn(data) {
    return [
      field("Sign-in page", data.url),
      field("Why", data.why),
      field("Then", "back to " + (data.returnUrl || "the original request")),
    ];
  }

  // --- The flow ---

  function findStep(flow, name) {
    return flow.steps.find(function (step) {
      return step.name === name;
    }) || null;
  }

  function describe(name, data, flow) {
    switch (name) {
      case "authorize-request":
        return { fields: describeAuthorize(data) };
      case "token-request":
        return { fields: describeTokenRequest(data) };
      case "sign-in":
        return { fields: describeSignIn(data) };
      case "token-issued":
        return describeTokenIssued(data, flow);
      case "token-received":
        return describeTokenReceived(data);
      case "state-validated":
        return describeState(data);
      case "api-request":
        return describeApiRequest(data);
      case "api-validated":
        return describeApiValidated(data);
      case "quote-rendered":
        return describeQuotes(data);
      default:
        return { fields: [] };
    }
  }

  // Only what later pages need: never a token.
  function storedData(name, data) {
    if (name === "authorize-request") {
      return { nonce: data.nonce, state: data.state };
    }
    return null;
  }

  /** Add a step, or replace the step of the same name where it stands. */
  function record(name, data, status) {
    const flow = loadFlow();
    const described = describe(name, data || {}, flow);
    const step = {
      name: name,
      title: TITLES[name] || name,
      caption: CAPTIONS[name] || "",
      status: status || described.status || "done",
      reason: described.reason || null,
      at: new Date().toISOString(),
      page: window.location.pathname,
      fields: described.fields,
      data: storedData(name, data || {}),
    };
    const at = flow.steps.findIndex(function (existing) {
      return existing.name === name;
    });
    if (at >= 0) {
      flow.steps[at] = step;
    } else {
      flow.steps.push(step);
    }
    saveFlow(flow);
    render();
    return step;
  }

  /** Change one field of a recorded step, keeping everything else. */
  function amend(name, label, value) {
    const flow = loadFlow();
    const step = findStep(flow, name);
    if (!step) {
      return;
    }
    step.fields.forEach(function (entry) {
      if (entry.label === label) {
        entry.value = value;
      }
    });
    saveFlow(flow);
    render();
  }

  /** Start a new flow: the steps of an earlier one go. */
  function start(path) {
    [wholeValues, revealed].forEach(function (values) {
      Object.keys(values).forEach(function (key) {
        delete values[key];
      });
    });
    saveFlow({ path: path, startedAt: new Date().toISOString(), steps: [] });
    render();
  }

  /**
   * Record a step the page is about to take. In presenter mode it shows as waiting and the
   * promise resolves when the presenter presses Next; otherwise at once.
   */
  function before(name, data) {
    if (!presenterOn()) {
      record(name, data, "done");
      return Promise.resolve();
    }
    record(name, data, "waiting");
    return new Promise(function (resolve) {
      pendingNext = function () {
        pendingNext = null;
        showNext(null);
        const flow = loadFlow();
        const step = findStep(flow, name);
        if (step) {
          step.status = "done";
          saveFlow(flow);
          render();
        }
        resolve();
      };
      showNext("Next: " + (TITLES[name] || name));
    });
  }

  /** The API's record of one request: a waiting step at once, the checks when they arrive. */
  function fetchValidation(requestId) {
    if (!requestId || !config.recordUrl) {
      record("api-validated", {
        error: "The quote API sent no X-Request-Id: start it with --inspector to see its checks.",
      });
      return;
    }
    record("api-validated", { loading: true, requestId: requestId });
    window
      .fetch(config.recordUrl + encodeURIComponent(requestId), {
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
      })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("the API's record answered " + answer.status);
        }
        return answer.json();
      })
      .then(function (entry) {
        record("api-validated", { record: entry });
        if (entry.preflight) {
          amend("api-request", "CORS preflight", "OPTIONS sent at " + entry.preflight.at +
            " with Access-Control-Request-Headers: " + (entry.preflight.request_headers || "") +
            "; the API allowed origin " + (entry.preflight.allowed_origin || "none") +
            " (as the API recorded it)");
        }
      })
      .catch(function (error) {
        record("api-validated", { error: "The API's record could not be read: " + error.message });
      });
  }

  // --- Rendering ---

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function countdownText(until) {
    const left = Math.round((until - Date.now()) / 1000);
    if (left <= 0) {
      return "expired";
    }
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    return "in " + minutes + ":" + seconds;
  }

  function renderValue(stepName, item) {
    const cell = element("dd");
    const key = stepName + "/" + item.label;
    if (item.secret && presenterOn() && !revealed[key]) {
      const mask = element("button", "inspector-mask", "•••••• show");
      mask.type = "button";
      mask.setAttribute("aria-label", "Show " + item.label);
      mask.addEventListener("click", function () {
        revealed[key] = true;
        const shown = element(item.code ? "pre" : "code", "inspector-value", item.value);
        cell.replaceChildren(shown);
      });
      cell.appendChild(mask);
      return cell;
    }
    const value = element(item.code ? "pre" : "code", "inspector-value", item.value);
    cell.appendChild(value);
    if (item.countdown) {
      const live = element("span", "inspector-countdown", countdownText(item.countdown));
      live.setAttribute("data-until", String(item.countdown));
      cell.appendChild(document.createTextNode(" "));
      cell.appendChild(live);
    }
    if (item.check) {
      cell.classList.add("check-" + item.check);
    }
    return cell;
  }

  function renderStep(step, index) {
    const item = element("li", "inspector-step step-" + step.status);
    item.setAttribute("data-step", step.name);
    item.setAttribute("data-status", step.status);
    // Numbered by position: a flow without sign-in, or without a state check, has no gaps.
    const heading = element("h3", "inspector-step-title", index + 1 + ". " + step.title);
    const badge = element("span", "inspector-badge", step.status === "done" ? "done"
      : step.status === "failed" ? "failed" : "waiting");
    heading.appendChild(document.createTextNode(" "));
    heading.appendChild(badge);
    item.appendChild(heading);
    item.appendChild(element("p", "inspector-caption", step.caption));
    if (step.reason) {
      item.appendChild(element("p", "inspector-reason", "Stopped here: " + step.reason));
    }
    const list = element("dl", "inspector-fields");
    step.fields.forEach(function (entry) {
      list.appendChild(element("dt", null, entry.label));
      list.appendChild(renderValue(step.name, entry));
    });
    item.appendChild(list);
    item.appendChild(element("p", "inspector-meta", "on " + step.page + " at " +
      new Date(step.at).toLocaleTimeString()));
    return item;
  }

  function render() {
    const list = document.getElementById("inspector-steps");
    if (!list) {
      return;
    }
    const flow = loadFlow();
    list.replaceChildren.apply(list, flow.steps.map(renderStep));
    const empty = document.getElementById("inspector-empty");
    if (empty) {
      empty.hidden = flow.steps.length > 0;
    }
    document.body.classList.toggle("presenter-mode", presenterOn());
  }

  function showNext(label) {
    const box = document.getElementById("inspector-next");
    if (!box) {
      return;
    }
    box.hidden = label === null;
    document.getElementById("inspector-next-label").textContent = label || "";
    if (label !== null) {
      document.getElementById("inspector-next-button").focus();
    }
  }

  function tick() {
    document.querySelectorAll(".inspector-countdown[data-until]").forEach(function (node) {
      node.textContent = countdownText(Number(node.getAttribute("data-until")));
    });
  }

  // --- Trace export ---

  /** The steps as a JSON document; secrets shortened unless `whole` is asked for. */
  function trace(whole) {
    const flow = loadFlow();
    return {
      kind: "power-pages-implicit-grant-trace",
      exported_at: new Date().toISOString(),
      path: flow.path,
      started_at: flow.startedAt,
      tokens: whole ? "whole where this page still holds them, else shortened" : "shortened",
      steps: flow.steps.map(function (step) {
        return {
          name: step.name,
          title: step.title,
          status: step.status,
          reason: step.reason,
          at: step.at,
          page: step.page,
          caption: step.caption,
          fields: step.fields.map(function (entry) {
            const key = step.name + "/" + entry.label;
            const useWhole = whole && entry.secret && wholeValues[key];
            return { label: entry.label, value: useWhole ? wholeValues[key] : entry.value };
          }),
        };
      }),
    };
  }

  function downloadTrace() {
    const whole = document.getElementById("trace-full-tokens").checked;
    const blob = new Blob([JSON.stringify(trace(whole), null, 2)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "flow-trace.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
    }, 1000);
  }

  // --- Wiring ---

  function noteSignInPage() {
    if (window.location.pathname !== (config.signInUrl || "/SignIn")) {
      return;
    }
    const flow = loadFlow();
    const last = flow.steps[flow.steps.length - 1];
    if (!last || (last.name !== "authorize-request" && last.name !== "token-request" &&
        last.name !== "sign-in")) {
      return;
    }
    const returnUrl = new URLSearchParams(window.location.search).get("returnUrl");
    const why = flow.path === "token"
      ? "The token endpoint answered 200 with X-Responded-JSON {\"status\":401}: no one is " +
        "signed in, so the page sent the browser here."
      : "The authorize endpoint found no portal session cookie and redirected here (302).";
    record("sign-in", { url: window.location.pathname, returnUrl: returnUrl, why: why });
  }

  function init() {
    const toggle = document.getElementById("presenter-toggle");
    if (toggle) {
      // A click that came before this script ran (a quick hand, or a test) still counts.
      if (toggle.checked !== toggle.defaultChecked) {
        window.sessionStorage.setItem(PRESENTER_KEY, toggle.checked ? "on" : "off");
      }
      toggle.checked = presenterOn();
      toggle.addEventListener("change", function () {
        window.sessionStorage.setItem(PRESENTER_KEY, toggle.checked ? "on" : "off");
        // Leaving presenter mode mid-pause carries on with the hop that was waiting.
        if (!toggle.checked && pendingNext) {
          pendingNext();
        }
        render();
      });
    }
    const nextButton = document.getElementById("inspector-next-button");
    if (nextButton) {
      nextButton.addEventListener("click", function () {
        if (pendingNext) {
          pendingNext();
        }
      });
    }
    document.addEventListener("keydown", function (event) {
      const target = event.target;
      const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA");
      if (event.key === "ArrowRight" && pendingNext && !typing) {
        event.preventDefault();
        pendingNext();
      }
    });
    const download = document.getElementById("trace-download");
    if (download) {
      download.addEventListener("click", downloadTrace);
    }
    const clear = document.getElementById("inspector-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        start(null);
      });
    }
    noteSignInPage();
    render();
    window.setInterval(tick, 1000);
  }

  window.FlowInspector = {
    start: start,
    record: record,
    before: before,
    fetchValidation: fetchValidation,
    trace: trace,
    shorten: shorten,
    presenterOn: presenterOn,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})(window, document);
