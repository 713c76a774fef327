// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Ask before destructive one-button actions (forms marked with data-confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Send a form once: a second submit of the same POST form (a double click, Enter pressed twice)
  // is ignored until the page changes. The server treats repeats as repeats anyway; this spares
  // the second request. htmx forms disable their buttons themselves (hx-disabled-elt) and have
  // taken the event over before it gets here. A form that leaves the page as it is (a download)
  // can be sent again after a while.
  var SUBMIT_AGAIN_AFTER_MS = 10000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (
      event.defaultPrevented ||
      !form.getAttribute ||
      (form.getAttribute("method") || "").toLowerCase() !== "post" ||
      (form.target && form.target !== "_self")
    ) {
      return;
    }
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    window.setTimeout(function () {
      form.removeAttribute("data-submitting");
    }, SUBMIT_AGAIN_AFTER_MS);
  });

  // Back to a page from the browser's cache (the back button): its forms can be sent again.
  window.addEventListener("pageshow", function () {
    var sent = document.querySelectorAll("form[data-submitting]");
    for (var i = 0; i < sent.length; i++) {
      sent[i].removeAttribute("data-submitting");
    }
  });

  // Move focus to an error summary so screen readers announce it after a failed submit.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
