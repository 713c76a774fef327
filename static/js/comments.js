// Comment threads, enhanced: htmx replies, reacts and loads more in place; this file manages focus,
// announces what changed to screen readers, counts characters and cancels inline reply forms.
// Without JavaScript (or htmx) every action is a plain form or link and works the same.
(function () {
  "use strict";
  if (window.trialogComments) {
    return; // a page may include the thread section more than once
  }
  window.trialogComments = true;

  function announce(text) {
    var region = document.querySelector("[data-comments-live]");
    if (!region || !text) {
      return;
    }
    region.textContent = "";
    // A fresh text node after a tick makes screen readers announce repeated messages too.
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  // Counters: "1234 of 5000 characters" next to each text area that declares its maximum.
  function updateCounter(textarea) {
    var counter = document.getElementById(textarea.id + "-counter");
    var max = parseInt(textarea.getAttribute("data-maxlength"), 10);
    if (!counter || !max) {
      return;
    }
    var used = textarea.value.length;
    counter.hidden = false;
    counter.textContent = used + " / " + max;
    counter.classList.toggle("is-over", used > max);
    // Screen readers hear the count only near the limit, not at every key press.
    counter.setAttribute("aria-live", used > max * 0.9 ? "polite" : "off");
  }

  function initCounters(root) {
    var areas = (root || document).querySelectorAll("textarea[data-maxlength]");
    for (var i = 0; i < areas.length; i++) {
      updateCounter(areas[i]);
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) {
      updateCounter(event.target);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    initCounters(document);
  });

  // htmx leaves 4xx answers unswapped; a 422 carries the form with its errors and the text typed.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Reaction buttons are replaced by the answer: remember which one had focus to give it back.
  var focusAfterSwap = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    focusAfterSwap = active && active.id && active.matches(".reaction-button") ? active.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    initCounters(document);
    var target = document.querySelector("[data-autofocus]");
    if (target) {
      target.removeAttribute("data-autofocus");
      var field = target.matches("textarea, input, button, a") ? target : target.querySelector("textarea");
      (field || target).focus();
    } else if (focusAfterSwap && document.getElementById(focusAfterSwap)) {
      document.getElementById(focusAfterSwap).focus();
    }
    focusAfterSwap = null;
    var message = document.querySelector("[data-announce]");
    if (message) {
      announce(message.getAttribute("data-announce"));
      message.removeAttribute("data-announce");
    }
  });

  // An inline reply form: htmx loads it into the slot below the comment; "Cancel" empties the slot
  // and returns focus to the reply link.
  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (slot && slot.classList && slot.classList.contains("reply-slot")) {
      var area = slot.querySelector("textarea");
      if (area) {
        area.focus();
      }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-cancel-reply]");
    if (!button) {
      return;
    }
    var id = button.getAttribute("data-cancel-reply");
    var slot = document.getElementById("reply-slot-" + id);
    if (slot) {
      slot.innerHTML = "";
    }
    var link = document.getElementById("reply-link-" + id);
    if (link) {
      link.focus();
    }
  });
})();
