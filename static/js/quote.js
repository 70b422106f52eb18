/*
 * Content page /quote/: two ways to get a token for the quote API.
 *
 * 1. "Give me a Quote!" — the OAuth 2.0 implicit grant: a fresh one-use state, then the browser
 *    goes to /_services/auth/authorize and comes back to the redirect page with the token in
 *    the fragment (quote-callback.js takes it from there).
 * 2. "Get a quote with the token endpoint" — POST /_services/auth/token from this page, then
 *    the same API call here.
 *
 * Needs jQuery and quote-client.js on the page first. Configuration lives in quote-client.js
 * (DEFAULTS) and may be overridden by the page's config block.
 */
(function (window, $, client) {
  "use strict";

  // After sign-in the portal sends the user back here with this marker, so the token
  // endpoint flow continues without a second click.
  const CONTINUE_PARAM = "continue";
  const CONTINUE_TOKEN = "token";

  const config = client.readConfig();

  function signInUrl() {
    const back = window.location.pathname + "?" + CONTINUE_PARAM + "=" + CONTINUE_TOKEN;
    return config.signInUrl + "?returnUrl=" + encodeURIComponent(back);
  }

  /** Read the X-Responded-JSON header the portal sends an anonymous AJAX caller. */
  function respondedJson(xhr) {
    const header = xhr.getResponseHeader("X-Responded-JSON");
    if (!header) {
      return null;
    }
    try {
      return JSON.parse(header);
    } catch (error) {
      return { status: 401 };
    }
  }

  /**
   * The supported path: POST /_services/auth/token, then call the quote API with the token.
   * `resumed` is true when the page comes back from sign-in and carries on the same flow.
   */
  function quoteWithTokenEndpoint(resumed) {
    client.clearError();
    $("#quote-result").empty();
    const url = config.tokenUrl + "?client_id=" + encodeURIComponent(config.clientId);
    if (window.FlowInspector && resumed !== true) {
      window.FlowInspector.start("token");
    }
    client.hop("token-request", { url: url, clientId: config.clientId }, function () {
      requestToken(url);
    });
  }

  function requestToken(url) {
    client.showStatus("Asking the portal for a token...");
    $.ajax({
      url: url,
      method: "POST",
      dataType: "text",
      cache: false,
    })
      .done(function (body, textStatus, xhr) {
        const responded = respondedJson(xhr);
        if (responded && responded.status === 401) {
          // Not signed in: the portal's cookie middleware answers 200 with this header instead
          // of a 401. Send the user to sign in and back to this page, as Microsoft's sample does.
          client.showStatus("You are not signed in; taking you to the sign-in page...");
          window.location.assign(signInUrl());
          return;
        }
        const token = (body || "").trim();
        if (token.split(".").length !== 3) {
          const message =
            client.describePortalError(body) || "The portal's token endpoint sent no token.";
          client.inspect("token-received", { status: xhr.status, error: message });
          client.showStatus("");
          client.showError(message);
          return;
        }
        client.inspect("token-received", {
          token: token,
          expiresIn: xhr.getResponseHeader("expires_in"),
          state: xhr.getResponseHeader("state"),
        });
        const session = client.makeSession(token, xhr.getResponseHeader("expires_in"));
        client.showQuotes(config, session, quoteWithTokenEndpoint);
      })
      .fail(function (xhr) {
        const message =
          client.describePortalError(xhr.responseText) ||
          "The portal's token endpoint answered " + xhr.status + " " + (xhr.statusText || "") +
            ".";
        client.inspect("token-received", { status: xhr.status, error: message });
        client.showStatus("");
        client.showError(message);
      });
  }

  /** Remove the continue marker from the address bar, keeping the rest of the query. */
  function dropContinueMarker() {
    const url = new URL(window.location.href);
    url.searchParams.delete(CONTINUE_PARAM);
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }

  $(function () {
    $("#give-quote").on("click", function () {
      client.startAuthorize(config);
    });
    $("#token-quote").on("click", function () {
      quoteWithTokenEndpoint(false);
    });

    const params = new URLSearchParams(window.location.search);
    if (params.get(CONTINUE_PARAM) === CONTINUE_TOKEN) {
      dropContinueMarker();
      quoteWithTokenEndpoint(true);
    }
  });
})(window, window.jQuery, window.QuoteClient);
