/*
 * Redirect page /quote-callback/: where the implicit grant lands with
 * #token=<JWT>&expires_in=<s>&state=<state> in the address.
 *
 * Order matters: take (and delete) the stored state first, so the answer can be used once only;
 * then read the fragment and wipe it from the address bar; then compare the states, and only
 * when they match call the quote API. The token stays in memory, never in storage.
 *
 * Needs jQuery and quote-client.js on the page first.
 */
(function (window, $, client) {
  "use strict";

  const config = client.readConfig();

  /** Everything the page does, once, when it loads. */
  function handleRedirect() {
    const expected = client.takeState(config);

    let fragment;
    let malformed = false;
    try {
      fragment = client.parseFragment(window.location.hash);
    } catch (error) {
      fragment = {};
      malformed = true;
    }
    const fragmentText = window.location.hash.replace(/^#/, "");
    client.inspect("token-issued", {
      redirectedTo: window.location.href,
      redirectedToPath: window.location.pathname + window.location.search,
      fragment: fragmentText,
      token: fragment.token,
      expiresIn: fragment.expires_in,
    });
    if (window.location.hash) {
      // The token must not stay in the address bar, the history or a bookmark.
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }

    const restart = function () {
      client.startAuthorize(config);
    };

    const stateCheck = function (reason) {
      client.inspect("state-validated", {
        expected: expected,
        received: fragment.state,
        passed: reason === null,
        reason: reason,
      });
    };

    if (malformed) {
      stateCheck("the answer in the address could not be read");
      client.showError("State validation failed: the answer in the address could not be read.");
      return;
    }
    if (!fragment.state) {
      stateCheck("the answer carries no state");
      client.showError(
        "State validation failed: the portal's answer carries no state, so it cannot be " +
          "matched to a request from this browser.",
        { label: "Start again", run: restart },
      );
      return;
    }
    if (!expected) {
      stateCheck("this browser has no pending request (used already, or expired)");
      client.showError(
        "State validation failed: this browser has no pending request (the answer was " +
          "already used, or it is older than " + config.stateMaxAgeSeconds + " seconds).",
        { label: "Start again", run: restart },
      );
      return;
    }
    if (fragment.state !== expected) {
      stateCheck("the state that came back differs from the one this browser sent");
      client.showError(
        "State validation failed: the state in the answer does not match the one this " +
          "browser sent.",
        { label: "Start again", run: restart },
      );
      return;
    }
    stateCheck(null);
    if (!fragment.token) {
      client.showError("The portal's answer carries no token.", { label: "Start again", run: restart });
      return;
    }

    const session = client.makeSession(fragment.token, fragment.expires_in);
    const load = function () {
      return client.showQuotes(config, session, restart);
    };
    $("#refresh-quotes").prop("hidden", false).off("click").on("click", load);
    load();
  }

  $(function () {
    handleRedirect();
    // Opening a callback URL from this very page changes only the fragment, with no reload;
    // it must be checked (and refused, the state being used up) all the same.
    $(window).on("hashchange", function () {
      if (window.location.hash) {
        $("#refresh-quotes").prop("hidden", true).off("click");
        $("#quote-result").empty();
        handleRedirect();
      }
    });
  });
})(window, window.jQuery, window.QuoteClient);
