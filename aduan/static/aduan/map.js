/* Aduan public map: loads the public reports inside the visible area as GeoJSON and
   shows them as dots. Each dot is a Leaflet marker, so it can be reached with Tab and
   opened with Enter, and is named by its report's title and status for screen readers.
   Pop-ups and names are built with textContent only: report text is never parsed as
   HTML. Needs the vendored Leaflet (aduan/vendor/leaflet/leaflet.js). */
(function () {
  "use strict";

  var box = document.getElementById("report-map");
  if (!box || !window.L || !window.fetch) return;
  var data = box.dataset;
  var status = document.getElementById("report-map-status");
  var COLOURS = {
    dispatched: "#b45309",
    in_progress: "#1d4ed8",
    completed: "#047857",
    closed: "#4b5563"
  };

  var map = L.map(box);
  var b = data.bounds.split(",").map(Number);
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  L.tileLayer(data.tileUrl, { attribution: data.attribution, maxZoom: 19 }).addTo(map);
  var dots = L.layerGroup().addTo(map);

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
    element("p", [props.kind, props.category, props.submitted].filter(Boolean).join(" · "), root);
    var open = element("a", data.textOpen, element("p", "", root));
    open.href = props.url;
    return root;
  }

  function dot(feature, latlng) {
    var props = feature.properties;
    var face = element("span");
    face.className = "map-dot";
    face.style.backgroundColor = COLOURS[props.status] || "#4b5563";
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

  var pending = null;
  function load() {
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    fetch(geojsonUrl(), { signal: pending && pending.signal, headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (collection) {
        dots.clearLayers();
        var layer = L.geoJSON(collection, {
          pointToLayer: dot,
          onEachFeature: function (feature, layer) { layer.bindPopup(popup(feature.properties)); }
        }).addTo(dots);
        fitOnce(layer);
        status.textContent = collection.truncated ? data.textTruncated : "";
      })
      .catch(function (error) {
        if (error.name !== "AbortError") status.textContent = data.textFailed;
      });
  }

  var timer = null;
  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  load();
})();
