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

  // Move focus to an error summary so screen readers announce it after a failed submit.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  });
})();
