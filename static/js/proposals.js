// Progressive enhancement of the proposal pages: maps (Leaflet, when a tile server is set up) and
// similar titles while typing. Every page works without this file; the data comes in data-*
// attributes because the CSP allows no inline scripts.
(function () {
  "use strict";

  function tileLayer(element) {
    return window.L.tileLayer(element.getAttribute("data-tile-url"), {
      attribution: element.getAttribute("data-attribution") || "",
      maxZoom: 19,
    });
  }

  function makeMap(element) {
    var map = window.L.map(element, { scrollWheelZoom: false }).setView(
      [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lng"))],
      parseInt(element.getAttribute("data-zoom"), 10)
    );
    tileLayer(element).addTo(map);
    return map;
  }

  function popupLink(card) {
    var source = card.querySelector(".proposal-card-title a");
    var link = document.createElement("a");
    link.href = source.getAttribute("href");
    link.textContent = source.textContent;
    return link;
  }

  // The list's map view, and the small map on a proposal's page.
  function showProposalMaps() {
    document.querySelectorAll("[data-proposal-map]").forEach(function (element) {
      var map = makeMap(element);
      var title = element.getAttribute("data-marker-title");
      if (title) {
        window.L.marker(map.getCenter(), { title: title, alt: title }).addTo(map);
        return;
      }
      var bounds = [];
      document.querySelectorAll(".proposal-card[data-lat]").forEach(function (card) {
        var point = [parseFloat(card.getAttribute("data-lat")), parseFloat(card.getAttribute("data-lng"))];
        var link = popupLink(card);
        window.L.marker(point, { title: link.textContent, alt: link.textContent })
          .bindPopup(link)
          .addTo(map);
        bounds.push(point);
      });
      if (bounds.length > 1) {
        map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 });
      } else if (bounds.length === 1) {
        map.setView(bounds[0], 16);
      }
    });
  }

  // The form: a click on the map fills in the coordinates; typed coordinates move the marker.
  function locationPicker() {
    var element = document.querySelector("[data-location-picker]");
    if (!element) {
      return;
    }
    var lat = document.getElementById("latitude");
    var lng = document.getElementById("longitude");
    var map = makeMap(element);
    var marker = null;

    function place(point) {
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = window.L.marker(point, { draggable: true }).addTo(map);
        marker.on("dragend", function () {
          fill(marker.getLatLng());
        });
      }
    }

    function fill(point) {
      lat.value = point.lat.toFixed(6);
      lng.value = point.lng.toFixed(6);
    }

    function fromInputs() {
      var a = parseFloat((lat.value || "").replace(",", "."));
      var b = parseFloat((lng.value || "").replace(",", "."));
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place([a, b]);
        return true;
      }
      return false;
    }

    if (fromInputs()) {
      map.setView(marker.getLatLng(), 16);
    }
    map.on("click", function (event) {
      place(event.latlng);
      fill(event.latlng);
    });
    lat.addEventListener("change", fromInputs);
    lng.addEventListener("change", fromInputs);
  }

  // Similar proposals while the title is typed (the server checks again on submit).
  function similarWhileTyping() {
    var form = document.querySelector("form[data-similar-url]");
    var box = document.getElementById("similar-live");
    if (!form || !box || !window.fetch) {
      return;
    }
    var input = form.querySelector("#title");
    var list = box.querySelector("ul");
    var timer = null;
    var asked = "";

    function show(proposals) {
      list.textContent = "";
      proposals.forEach(function (proposal) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = proposal.url;
        link.textContent = "#" + proposal.id + " " + proposal.title;
        item.appendChild(link);
        list.appendChild(item);
      });
      box.hidden = proposals.length === 0;
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var title = input.value.trim();
        if (title === asked) {
          return;
        }
        asked = title;
        if (title.length < 4) {
          show([]);
          return;
        }
        var url = form.getAttribute("data-similar-url") + "?title=" + encodeURIComponent(title);
        window
          .fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) {
            return response.ok ? response.json() : { proposals: [] };
          })
          .then(function (data) {
            if (asked === title) {
              show(data.proposals || []);
            }
          })
          .catch(function () {
            show([]);
          });
      }, 400);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.L) {
      showProposalMaps();
      locationPicker();
    }
    similarWhileTyping();
  });
})();
