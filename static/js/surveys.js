// Progressive enhancement for the answer form; everything works without this file.
// Ranking: choosing a rank that another option already has gives that option the rank the
// changed one had before (or, if it had none, the lowest rank still free), so keyboard users can
// reorder with the selects alone, the ranks stay distinct and no rank given is lost. The swap is
// announced through a live region.
(function () {
  "use strict";

  function setup(list) {
    var selects = Array.prototype.slice.call(list.querySelectorAll("select"));
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(status, list.nextSibling);

    function lowestFree() {
      var used = selects.map(function (s) { return s.value; });
      var options = Array.prototype.slice.call(selects[0].options);
      for (var i = 0; i < options.length; i++) {
        if (options[i].value && used.indexOf(options[i].value) === -1) return options[i].value;
      }
      return "";
    }

    selects.forEach(function (select) {
      select.dataset.previous = select.value;
      select.addEventListener("change", function () {
        var previous = select.dataset.previous;
        selects.forEach(function (other) {
          if (other !== select && select.value && other.value === select.value) {
            other.value = "";
            other.value = previous || lowestFree();
            other.dataset.previous = other.value;
            var label = list.querySelector('label[for="' + other.id + '"]');
            status.textContent = (label ? label.textContent.trim() : "") + ": " + (other.value || "–");
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
