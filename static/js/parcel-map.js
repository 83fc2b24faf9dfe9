// The parcel map: asks the API for the viewport only; the server answers clusters for a town-wide view
// (a circle with its count: clicking one zooms to its cell), points for a few hundred parcels, polygons
// when zoomed in. A list beside the map names the parcels in view, so keyboard and screen-reader users
// can open them without pointing at the map.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const statusEl = document.getElementById("map-status");
  const listEl = document.getElementById("map-list");
  const LIST_LIMIT = 50;
  const colours = { held: "#1b6e3a", acquired: "#1f5fa8", disposed: "#7a4b00", retired: "#666666" };

  const map = L.map("parcel-map", { preferCanvas: true, center: config.center, zoom: config.zoom });
  L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  if (config.bounds) { map.fitBounds(config.bounds); }

  const detailUrl = (id) => config.detailUrl.replace("/0/", "/" + id + "/");
  const fmt = (template, n) => template.replace("%(n)s", n.toLocaleString());
  const style = (feature) => ({ color: colours[feature.properties.status] || "#333", weight: 1.5, fillOpacity: 0.25 });

  const isCluster = (feature) => Boolean(feature.properties && feature.properties.cluster);
  // The cluster's circle grows with the count's digits, so a town of 50,000 still reads at a glance.
  function clusterMarker(feature, latlng) {
    const count = feature.properties.count;
    const size = 26 + 6 * String(count).length;
    const label = fmt(config.text.cluster, count);
    const icon = L.divIcon({
      className: "map-cluster",
      html: "<span>" + count.toLocaleString() + "</span>",
      iconSize: [size, size],
    });
    const marker = L.marker(latlng, { icon: icon, title: label, alt: label, keyboard: true });
    const [west, south, east, north] = feature.properties.bbox;
    marker.on("click", () => map.fitBounds([[south, west], [north, east]]));
    return marker;
  }

  const layer = L.geoJSON(null, {
    style: style,
    pointToLayer: (feature, latlng) => isCluster(feature)
      ? clusterMarker(feature, latlng)
      : L.circleMarker(latlng, { ...style(feature), radius: 4, fillOpacity: 0.8 }),
    onEachFeature: (feature, lyr) => {
      if (isCluster(feature)) { return; }
      const link = document.createElement("a");
      link.href = detailUrl(feature.id);
      link.textContent = config.text.open + " " + feature.properties.apn;
      const box = document.createElement("div");
      const title = document.createElement("strong");
      title.textContent = feature.properties.apn;
      box.append(title);
      if (feature.properties.address) { box.append(document.createElement("br"), feature.properties.address); }
      box.append(document.createElement("br"), link);
      lyr.bindPopup(box);
    },
  }).addTo(map);

  let controller = null;
  async function refresh() {
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map((v, i) => Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, v)).toFixed(6)).join(",");
    if (controller) { controller.abort(); }
    controller = new AbortController();
    const url = config.url + "?bbox=" + bbox + "&zoom=" + map.getZoom();
    try {
      const response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/geo+json" } });
      if (!response.ok) { throw new Error(response.status); }
      const data = await response.json();
      layer.clearLayers();
      layer.addData(data);
      render(data.features);
    } catch (error) {
      if (error.name !== "AbortError") { statusEl.textContent = config.text.failed; }
    }
  }

  function render(all) {
    const clusters = all.filter(isCluster);
    const features = all.filter((f) => !isCluster(f));
    const total = features.length + clusters.reduce((sum, c) => sum + c.properties.count, 0);
    let text = fmt(config.text.count, total);
    if (clusters.length) {
      text += "; " + fmt(config.text.grouped, clusters.length);
    } else if (features.length > LIST_LIMIT) {
      text += "; " + fmt(config.text.listed, LIST_LIMIT);
    }
    if (map.getZoom() < config.polygonMinZoom) { text += ". " + config.text.zoomIn; }
    statusEl.textContent = text;
    listEl.replaceChildren(...features.slice(0, LIST_LIMIT).map((f) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = detailUrl(f.id);
      link.textContent = f.properties.apn + (f.properties.address ? " — " + f.properties.address : "");
      item.append(link);
      return item;
    }));
  }

  let timer = null;
  map.on("moveend", () => { clearTimeout(timer); timer = setTimeout(refresh, 150); });
  refresh();
})();
