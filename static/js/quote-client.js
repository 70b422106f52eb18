/*
 * Quote client: what both quote pages share. It reads the page's configuration, keeps the
 * one-use state cookie, calls the quote API with a bearer token and shows the answer, or a
 * readable error, on the page.
 *
 * Plain JavaScript with jQuery (the jQuery that Power Pages ships) and standard browser APIs; no
 * build step. On a real Power Pages site, upload this file as a web file (or paste it into the
 * page's custom JavaScript, before the page's own script) and edit DEFAULTS below.
 */
(function (window, $) {
  "use strict";

  // The defaults of the local harness. A page may override any of them with a JSON data block
  // <script id="portal-config" type="application/json">; on a real site, edit them here.
  const DEFAULTS = {
    clientId: "quote-demo-client",
    redirectUri: window.location.origin + "/quote-callback/",
    apiUrl: "http://127.0.0.1:8001",
    authorizeUrl: "/_services/auth/authorize",
    tokenUrl: "/_services/auth/token",
    signInUrl: "/SignIn",
    stateCookie: "quote_flow_state",
    // Long enough to sign in on the way, short enough that a stale state is useless.
    stateMaxAgeSeconds: 600,
    apiTimeoutMs: 15000,
  };

  // The portal accepts at most 20 characters of state; 64 symbols make each byte's low six
  // bits map to one symbol without bias.
  const STATE_LENGTH = 20;
  const STATE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /**
   * The harness's flow inspector, when the portal shows it (portal-sim serve --inspector). On a
   * real portal it is absent and these two do nothing more than run the next step.
   */
  function inspect(step, details) {
    if (window.FlowInspector) {
      window.FlowInspector.record(step, details);
    }
  }

  /** Take the next hop; in the inspector's presenter mode, once the presenter says Next. */
  function hop(step, details, next) {
    if (window.FlowInspector) {
      window.FlowInspector.before(step, details).then(next);
      return;
    }
    next();
  }

  /** The page's configuration: DEFAULTS, overridden by the page's config block. */
  function readConfig() {
    const config = Object.assign({}, DEFAULTS);
    const block = document.getElementById("portal-config");
    if (!block) {
      return config;
    }
    try {
      const given = JSON.parse(block.textContent || "{}");
      Object.keys(given).forEach(function (key) {
        if (given[key] !== null && given[key] !== undefined && given[key] !== "") {
          config[key] = given[key];
        }
      });
    } catch (error) {
      showError("The page's configuration block is not valid JSON; using the defaults.");
    }
    return config;
  }

  /** A fresh state of 20 random URL-safe characters. */
  function randomState() {
    const bytes = new Uint8Array(STATE_LENGTH);
    window.crypto.getRandomValues(bytes);
    let state = "";
    bytes.forEach(function (byte) {
      state += STATE_ALPHABET.charAt(byte & 63);
    });
    return state;
  }

  function stateCookiePath(config) {
    return new URL(config.redirectUri, window.location.href).pathname;
  }

  function cookieAttributes(config, maxAge) {
    // Scoped to the redirect page only, so no other page of the site ever sees it.
    let attributes = "; Path=" + stateCookiePath(config) + "; Max-Age=" + maxAge;
    attributes += "; SameSite=Strict";
    if (window.location.protocol === "https:") {
      attributes += "; Secure";
    }
    return attributes;
  }

  /** Remember the state for the redirect page. */
  function saveState(config, state) {
    document.cookie =
      config.stateCookie + "=" + state + cookieAttributes(config, config.stateMaxAgeSeconds);
  }

  /** Read the stored state and delete it at once, so it can be used only once. */
  function takeState(config) {
    let found = null;
    document.cookie.split(";").forEach(function (pair) {
      const at = pair.indexOf("=");
      const name = (at < 0 ? pair : pair.slice(0, at)).trim();
      if (name === config.stateCookie && found === null) {
        found = at < 0 ? "" : pair.slice(at + 1).trim();
      }
    });
    document.cookie = config.stateCookie + "=" + cookieAttributes(config, 0);
    return found;
  }

  /** Start the implicit grant: new state, stored, then off to the authorize endpoint. */
  function startAuthorize(config) {
    const state = randomState();
    // The portal copies the nonce into the token, tying the token to this request.
    const nonce = randomState();
    saveState(config, state);
    const query = [
      "client_id=" + encodeURIComponent(config.clientId),
      "redirect_uri=" + encodeURIComponent(config.redirectUri),
      "response_type=token",
      "state=" + encodeURIComponent(state),
      "nonce=" + encodeURIComponent(nonce),
    ].join("&");
    const url = config.authorizeUrl + "?" + query;
    if (window.FlowInspector) {
      window.FlowInspector.start("implicit");
    }
    hop(
      "authorize-request",
      {
        url: url,
        clientId: config.clientId,
        redirectUri: config.redirectUri,
        responseType: "token",
        state: state,
        nonce: nonce,
        stateCookie: config.stateCookie,
        cookiePath: stateCookiePath(config),
      },
      function () {
        window.location.assign(url);
      },
    );
  }

  /**
   * The fragment as an object. Split on & and =, each part through decodeURIComponent:
   * URLSearchParams would turn a + into a space and so change a state or token.
   */
  function parseFragment(hash) {
    const values = {};
    const text = hash.charAt(0) === "#" ? hash.slice(1) : hash;
    if (!text) {
      return values;
    }
    text.split("&").forEach(function (pair) {
      if (!pair) {
        return;
      }
      const at = pair.indexOf("=");
      const name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      values[name] = at < 0 ? "" : decodeURIComponent(pair.slice(at + 1));
    });
    return values;
  }

  /** The token's payload claims, for display only (the API is what checks the token). */
  function readClaims(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const padded = part + "===".slice((part.length + 3) % 4);
      const bytes = Uint8Array.from(window.atob(padded), function (c) {
        return c.charCodeAt(0);
      });
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return null;
    }
  }

  /** A session held in memory only: the token and when it stops being valid. */
  function makeSession(token, expiresInSeconds) {
    const claims = readClaims(token);
    let expiresAt = null;
    const lifetime = parseInt(expiresInSeconds, 10);
    if (!Number.isNaN(lifetime)) {
      expiresAt = Date.now() + lifetime * 1000;
    } else if (claims && typeof claims.exp === "number") {
      expiresAt = claims.exp * 1000;
    }
    return { token: token, claims: claims, expiresAt: expiresAt };
  }

  function isExpired(session) {
    return session.expiresAt !== null && Date.now() >= session.expiresAt;
  }

  // --- Showing things on the page. Every value goes in as text, never as HTML. ---

  function errorBox() {
    return $("#flow-error");
  }

  /** Show a failure in words in #flow-error; an optional action becomes a button under it. */
  function showError(message, action) {
    const box = errorBox();
    box.empty().append($("<p>").text(message));
    if (action) {
      const button = $("<button type='button' class='button'>").text(action.label);
      button.on("click", action.run);
      box.append(button);
    }
    box.prop("hidden", false);
  }

  function clearError() {
    errorBox().empty().prop("hidden", true);
  }

  function showStatus(message) {
    $("#flow-status").text(message);
  }

  // The quote API sends amounts as JSON numbers in currency units: show two decimals. A string
  // (another API's choice) is shown as sent.
  function formatAmount(value) {
    return typeof value === "number" ? value.toFixed(2) : String(value);
  }

  /** Render the quotes as a table into #quote-result. */
  function renderQuotes(quotes, session) {
    const result = $("#quote-result").empty();
    const who = session.claims && (session.claims.email || session.claims.preferred_username);
    if (who) {
      result.append($("<p class='who'>").text("Quotes for " + who + "."));
    }
    if (!quotes.length) {
      result.append($("<p>").text("You have no quotes yet."));
      return;
    }
    const columns = [
      ["Number", "number"],
      ["Product", "product"],
      ["Quantity", "quantity"],
      ["Total", "total"],
      ["Currency", "currency"],
      ["Status", "status"],
    ];
    const table = $("<table class='quotes'>");
    table.append($("<caption>").text("Your quotes"));
    const head = $("<tr>");
    columns.forEach(function (column) {
      head.append($("<th scope='col'>").text(column[0]));
    });
    table.append($("<thead>").append(head));
    const body = $("<tbody>");
    quotes.forEach(function (quote) {
      const row = $("<tr>");
      columns.forEach(function (column) {
        let value = quote[column[1]];
        if (value === null || value === undefined) {
          value = "";
        } else if (column[1] === "total") {
          value = formatAmount(value);
        } else if (typeof value === "object") {
          value = value.name || JSON.stringify(value);
        }
        row.append($("<td>").text(String(value)));
      });
      body.append(row);
    });
    result.append(table.append(body));
  }

  /** Read the directives of a WWW-Authenticate: Bearer header. */
  function parseAuthenticate(header) {
    const directives = {};
    const pattern = /([A-Za-z_]+)="([^"]*)"/g;
    let match = pattern.exec(header || "");
    while (match !== null) {
      directives[match[1]] = match[2];
      match = pattern.exec(header);
    }
    return directives;
  }

  /** The words for a failed API call. */
  function describeApiFailure(config, xhr, textStatus) {
    const api = config.apiUrl;
    if (textStatus === "timeout") {
      return "The quote API at " + api + " did not answer in time.";
    }
    if (xhr.status === 0) {
      return (
        "The quote API at " + api + " could not be reached, or it refused this page's origin " +
        "(" + window.location.origin + ") by CORS. Check that it is running and allows this origin."
      );
    }
    if (xhr.status === 401 || xhr.status === 400) {
      const directives = parseAuthenticate(xhr.getResponseHeader("WWW-Authenticate"));
      const reason = directives.error_description || directives.error;
      if (xhr.status === 400) {
        return "The quote API rejected the request: " + (reason || "invalid request") + ".";
      }
      return (
        "The quote API refused the token (401" + (directives.error ? " " + directives.error : "") +
        "): " + (reason || "no token was accepted") + "."
      );
    }
    if (textStatus === "parsererror") {
      return "The quote API answered with something that is not JSON.";
    }
    return "The quote API answered " + xhr.status + " " + (xhr.statusText || "") + ".";
  }

  function looksExpired(xhr) {
    const directives = parseAuthenticate(xhr.getResponseHeader("WWW-Authenticate"));
    return xhr.status === 401 && /expired/i.test(directives.error_description || "");
  }

  /**
   * Call GET /api/quotes with the session's token and show the quotes, or say why not.
   * onNewToken runs when the user asks for a new token after the old one expired.
   */
  function showQuotes(config, session, onNewToken) {
    const newToken = { label: "Get a new token", run: onNewToken };
    if (isExpired(session)) {
      $("#quote-result").empty();
      showError("Your token has expired. Get a new token to see your quotes.", newToken);
      return $.Deferred().reject().promise();
    }
    clearError();
    const url = config.apiUrl.replace(/\/+$/, "") + "/api/quotes";
    const call = { method: "GET", url: url, token: session.token };
    const finished = $.Deferred();
    hop("api-request", call, function () {
      showStatus("Asking the quote API for your quotes...");
      const request = $.ajax({
        url: url,
        method: "GET",
        dataType: "json",
        cache: false,
        timeout: config.apiTimeoutMs,
        headers: { Authorization: "Bearer " + session.token },
      });
      request
        .always(function () {
          const xhr = request;
          const requestId = xhr.getResponseHeader("X-Request-Id");
          inspect("api-request", Object.assign({ status: xhr.status, requestId: requestId }, call));
          if (window.FlowInspector && xhr.status !== 0) {
            window.FlowInspector.fetchValidation(requestId);
          }
        })
        .done(function (answer) {
          const quotes = answer && Array.isArray(answer.quotes) ? answer.quotes : null;
          if (quotes === null) {
            showStatus("");
            showError("The quote API answered without a list of quotes.");
            finished.reject();
            return;
          }
          showStatus("");
          renderQuotes(quotes, session);
          const who = session.claims && (session.claims.email || session.claims.preferred_username);
          inspect("quote-rendered", { count: quotes.length, who: who });
          finished.resolve(answer);
        })
        .fail(function (xhr, textStatus) {
          showStatus("");
          $("#quote-result").empty();
          finished.reject();
          if (looksExpired(xhr) || (xhr.status === 401 && isExpired(session))) {
            showError("Your token has expired. Get a new token to see your quotes.", newToken);
            return;
          }
          showError(describeApiFailure(config, xhr, textStatus));
        });
    });
    return finished.promise();
  }

  /** The words for a PortalSTS error document, or null when the text is not one. */
  function describePortalError(text) {
    let answer;
    try {
      answer = JSON.parse(text || "");
    } catch (error) {
      return null;
    }
    if (!answer || typeof answer.ErrorId !== "string") {
      return null;
    }
    let message = "The portal refused: " + answer.ErrorId + ": " + (answer.ErrorMessage || "");
    if (answer.CorrelationId) {
      message += " (correlation id " + answer.CorrelationId + ")";
    }
    return message;
  }

  window.QuoteClient = {
    readConfig: readConfig,
    randomState: randomState,
    saveState: saveState,
    takeState: takeState,
    startAuthorize: startAuthorize,
    parseFragment: parseFragment,
    makeSession: makeSession,
    isExpired: isExpired,
    showQuotes: showQuotes,
    showError: showError,
    clearError: clearError,
    showStatus: showStatus,
    describePortalError: describePortalError,
    inspect: inspect,
    hop: hop,
  };
})(window, window.jQuery);
