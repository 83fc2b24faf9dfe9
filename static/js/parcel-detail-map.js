// A small map of one parcel's boundary.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const map = L.map("parcel-map", { zoomControl: true, scrollWheelZoom: false });
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  const shape = L.geoJSON(config.geometry, { style: { color: "#1b6e3a", weight: 2, fillOpacity: 0.2 } }).addTo(map);
  map.fitBounds(shape.getBounds(), { maxZoom: 19, padding: [20, 20] });
})();
