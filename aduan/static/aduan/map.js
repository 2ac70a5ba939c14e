/* Aduan public map: loads the public reports inside the visible area as GeoJSON and
   shows them as dots. Each dot is a Leaflet marker, so it can be reached with Tab and
   opened with Enter, and is named by its report's title and status for screen readers.
   Pop-ups and names are built with textContent only: report text is never parsed as
   HTML. A dot's status is told by its colour and its shape (the legend under the map,
   .map-dot--<status> in portal/map.html). An opened pop-up takes the focus, and gives it
   back to its dot when it closes. Leaflet's own texts (zoom buttons, close button) come
   translated from data-text-* like the rest. Needs the vendored Leaflet
   (aduan/vendor/leaflet/leaflet.js). */
(function () {
  "use strict";

  var box = document.getElementById("report-map");
  if (!box || !window.L || !window.fetch) return;
  var data = box.dataset;
  var status = document.getElementById("report-map-status");
  var STATUSES = ["dispatched", "in_progress", "completed", "closed"];

  var map = L.map(box, { zoomControl: false });
  L.control.zoom({ zoomInTitle: data.textZoomIn, zoomOutTitle: data.textZoomOut }).addTo(map);
  // Leaflet's credit without its English tooltip.
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  var b = data.bounds.split(",").map(Number);
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  L.tileLayer(data.tileUrl, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
  var dots = L.layerGroup().addTo(map);

  // "2026-11-23" as the pages write dates: "23 Nov 2026".
  var lang = document.documentElement.lang || "id";
  var dateFormat = window.Intl
    ? new Intl.DateTimeFormat(lang === "en" ? "en-GB" : lang, { day: "numeric", month: "short", year: "numeric" })
    : null;
  function day(iso) {
    var parts = String(iso || "").split("-").map(Number);
    if (!dateFormat || parts.length !== 3 || parts.some(isNaN)) return iso;
    return dateFormat.format(new Date(parts[0], parts[1] - 1, parts[2]));
  }

  function element(tag, text, parent) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function popup(props) {
    var root = element("div");
    root.className = "map-popup";
    var link = element("a", props.title, element("h3", "", root));
    link.href = props.url;
    element("p", props.code + " · " + props.status_label, root);
    var facts = element("p", [props.kind, props.category].filter(Boolean).join(" · "), root);
    if (props.submitted) {
      if (facts.textContent) facts.appendChild(document.createTextNode(" · "));
      element("time", day(props.submitted), facts).setAttribute("datetime", props.submitted);
    }
    var open = element("a", data.textOpen, element("p", "", root));
    open.href = props.url;
    return root;
  }

  function dot(feature, latlng) {
    var props = feature.properties;
    var face = element("span");
    var known = STATUSES.indexOf(props.status) !== -1;
    face.className = "map-dot map-dot--" + (known ? props.status : "closed");
    element("span", props.title + " (" + props.status_label + ")", face).className = "visually-hidden";
    return L.marker(latlng, {
      icon: L.divIcon({ html: face, className: "map-dot-box", iconSize: [24, 24] }),
      title: props.title,
      keyboard: true
    });
  }

  function geojsonUrl() {
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    params.set("bbox", map.getBounds().toBBoxString());
    return data.geojsonUrl + "?" + params.toString();
  }

  // The first answer, for the whole first view, decides where to look: a regency's
  // reports are a stack of dots on a map of all Indonesia until it zooms to them.
  var fitted = false;
  function fitOnce(layer) {
    if (fitted) return;
    fitted = true;
    var bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
  }

  // A pop-up takes the focus when it opens, and gives it back to its dot when it closes
  // (Escape closes it). While one is open, moving the map (Leaflet pans to show the
  // pop-up) does not reload the dots, which would close it.
  var popupOpen = false;
  var movedMeanwhile = false;
  map.on("popupopen", function (event) {
    popupOpen = true;
    var root = event.popup.getElement();
    if (!root.dataset.ready) {
      root.dataset.ready = "1";
      var close = root.querySelector(".leaflet-popup-close-button");
      if (close && data.textClose) close.setAttribute("aria-label", data.textClose);
      root.addEventListener("keydown", function (key) {
        if (key.key === "Escape") map.closePopup();
      });
    }
    var first = root.querySelector(".map-popup a");
    if (first) first.focus({ preventScroll: true });
  });
  function giveFocusBack(event) {
    var root = event.popup.getElement();
    var active = document.activeElement;
    var marker = event.target.getElement();
    if (!marker || !document.contains(marker)) return;
    if (!active || active === document.body || (root && root.contains(active))) {
      marker.focus({ preventScroll: true });
    }
  }
  map.on("popupclose", function () {
    popupOpen = false;
    if (movedMeanwhile) {
      movedMeanwhile = false;
      load();
    }
  });

  // The code of the report whose dot has the keyboard focus, if one has.
  function focusedCode() {
    var active = document.activeElement;
    var code = null;
    dots.eachLayer(function (group) {
      group.eachLayer(function (marker) {
        if (marker.getElement && marker.getElement() === active) code = marker.feature.properties.code;
      });
    });
    return code;
  }

  // aria-busy says the dots are being replaced (screen readers wait; so can tests).
  function busy(on) {
    box.setAttribute("aria-busy", on ? "true" : "false");
  }

  var pending = null;
  function load() {
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    busy(true);
    fetch(geojsonUrl(), { signal: pending && pending.signal, headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (collection) {
        busy(false);
        // A pop-up opened while these dots were on their way stays open: replacing
        // the dots would close it under the reader. They come again when it closes.
        if (popupOpen) {
          movedMeanwhile = true;
          return;
        }
        // The dot the keyboard was on keeps the focus through the replacement.
        var keep = focusedCode();
        dots.clearLayers();
        var layer = L.geoJSON(collection, {
          pointToLayer: dot,
          onEachFeature: function (feature, layer) {
            layer.bindPopup(popup(feature.properties));
            layer.on("popupclose", giveFocusBack);
          }
        }).addTo(dots);
        if (keep) {
          layer.eachLayer(function (marker) {
            if (marker.feature.properties.code === keep) marker.getElement().focus({ preventScroll: true });
          });
        }
        fitOnce(layer);
        status.textContent = collection.truncated ? data.textTruncated : "";
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          busy(false);
          status.textContent = data.textFailed;
        }
      });
  }

  var timer = null;
  map.on("moveend", function () {
    clearTimeout(timer);
    if (popupOpen) {
      movedMeanwhile = true;
      return;
    }
    busy(true);
    timer = setTimeout(load, 250);
  });
  load();
})();
