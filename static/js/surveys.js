// Progressive enhancement for the answer form; everything works without this file.
// Ranking: choosing a rank that another option already has gives that option the rank the
// changed one had before, so keyboard users can reorder with the selects alone and the
// ranks stay distinct. The swap is announced through a live region.
(function () {
  "use strict";

  function setup(list) {
    var selects = Array.prototype.slice.call(list.querySelectorAll("select"));
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(status, list.nextSibling);

    selects.forEach(function (select) {
      select.dataset.previous = select.value;
      select.addEventListener("change", function () {
        var previous = select.dataset.previous;
        selects.forEach(function (other) {
          if (other !== select && select.value && other.value === select.value) {
            other.value = previous;
            other.dataset.previous = previous;
            var label = list.querySelector('label[for="' + other.id + '"]');
            status.textContent = (label ? label.textContent.trim() : "") + ": " + (previous || "–");
          }
        });
        select.dataset.previous = select.value;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ranking]"), setup);
  });
})();
