// The briefing's map: Leaflet (vendored under /static/vendor/) over outlines and place names the service
// ships under /basemap/ (Natural Earth countries, US Census states and counties, GeoNames places), so no
// request leaves the agent's browser unless the configuration names an online tile layer.
"use strict";

(function () {
  const LEVEL_WORDS = { do_not_chase: "Do not chase", caution: "Caution", info: "For context", nearby: "Nearby" };
  // Strongest last, so it is drawn on top; the colours are the banner's.
  const ORDER = ["nearby", "info", "caution", "do_not_chase"];
  const STYLE = {
    do_not_chase: { color: "#b3261e", weight: 2.5, fillColor: "#b3261e", fillOpacity: 0.24 },
    caution: { color: "#8a5300", weight: 2.5, fillColor: "#e0a030", fillOpacity: 0.16 },
    info: { color: "#1f5fa8", weight: 2, fillColor: "#1f5fa8", fillOpacity: 0.12 },
    // Not on the customer: outline only, dashed, so it never reads as the customer's area.
    nearby: { color: "#4b596b", weight: 2, dashArray: "6 5", fillColor: "#4b596b", fillOpacity: 0.05 },
  };
  const CELL = 10;          // degrees per place-name file (see build_basemap.py)
  const MAX_PLACES = 30;    // labels in view, most populous first
  const COUNTY_ZOOM = 7;    // counties only when a county is big enough to read
  const US_BOUNDS = [[15, -180], [72, -60]];
  const files = new Map();

  // Each base-map file is fetched once per page; a missing or broken one draws nothing.
  function load(path) {
    if (!files.has(path)) {
      files.set(path, fetch(path).then((response) => (response.ok ? response.json() : null)).catch(() => null));
    }
    return files.get(path);
  }

  function textNode(tag, className, text) {
    const element = document.createElement(tag);
    element.className = className;
    element.textContent = text;
    return element;
  }

  let map = null;
  let areaLayer = null;
  let placeLayer = null;
  let countyLayer = null;

  function minPopulation(zoom) {
    if (zoom >= 10) return 15000;
    if (zoom >= 8) return 50000;
    if (zoom >= 6) return 250000;
    return 1000000;
  }

  function cellsIn(bounds) {
    const names = [];
    const south = Math.max(-90, Math.floor(bounds.getSouth() / CELL) * CELL);
    const west = Math.max(-180, Math.floor(bounds.getWest() / CELL) * CELL);
    for (let lat = south; lat < Math.min(90, bounds.getNorth()); lat += CELL) {
      for (let lon = west; lon < Math.min(180, bounds.getEast()); lon += CELL) names.push(`${lat}_${lon}`);
    }
    return names.slice(0, 16);
  }

  async function drawPlaces() {
    const bounds = map.getBounds();
    const zoom = map.getZoom();
    const cells = await Promise.all(cellsIn(bounds).map((cell) => load(`/basemap/places/${cell}.json`)));
    const shown = cells.flatMap((places) => places || [])
      .filter(([, lat, lon, population]) => population >= minPopulation(zoom) && bounds.contains([lat, lon]))
      .sort((a, b) => b[3] - a[3])
      .slice(0, MAX_PLACES);
    placeLayer.clearLayers();
    for (const [name, lat, lon] of shown) {
      const icon = L.divIcon({ className: "place-label", html: textNode("span", "place-name", name), iconSize: null });
      L.marker([lat, lon], { icon, interactive: false, keyboard: false, pane: "places" }).addTo(placeLayer);
    }
  }

  async function drawUsCounties() {
    const inUs = map.getBounds().intersects(US_BOUNDS);
    if (map.getZoom() < COUNTY_ZOOM || !inUs) {
      if (countyLayer) countyLayer.remove();
      return;
    }
    if (!countyLayer) {
      const us = await load("/basemap/us.json");
      if (!us) return;
      // Borders between counties as lines: Leaflet clips them to the view, so the whole mesh is cheap.
      const mesh = topojson.mesh(us, us.objects.counties, (a, b) => a !== b);
      countyLayer = L.geoJSON(mesh, { pane: "outlines", interactive: false,
        style: { className: "basemap-county", color: "#b8c0c9", weight: 0.8, fill: false } });
    }
    countyLayer.addTo(map);
  }

  async function drawOutlines() {
    const world = await load("/basemap/countries.json");
    if (world) {
      L.geoJSON(topojson.feature(world, world.objects.countries), { pane: "outlines", interactive: false,
        style: { className: "basemap-country", color: "#8d99a6", weight: 1, fillColor: "#f6f4ee", fillOpacity: 1 } })
        .addTo(map);
    }
    if (map.getBounds().intersects(US_BOUNDS)) {
      const us = await load("/basemap/us.json");
      if (us) {
        L.geoJSON(topojson.mesh(us, us.objects.states, (a, b) => a !== b), { pane: "outlines", interactive: false,
          style: { className: "basemap-state", color: "#7d8894", weight: 1.4, fill: false } }).addTo(map);
      }
    }
  }

  function setUp(container) {
    // A view from the start: circles and bounds need one before the briefing's own is set.
    map = L.map(container, { zoomSnap: 0.5, minZoom: 2, maxZoom: 14, worldCopyJump: true }).setView([20, 0], 2);
    map.createPane("outlines").style.zIndex = 250;
    map.createPane("places").style.zIndex = 450;
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution("Natural Earth · US Census Bureau · GeoNames");
    load("/basemap/config").then((config) => {
      if (config && config.tile_url) L.tileLayer(config.tile_url, { attribution: config.tile_attribution }).addTo(map);
    });
    areaLayer = L.featureGroup().addTo(map);
    placeLayer = L.layerGroup().addTo(map);
    map.on("moveend", () => { drawPlaces(); drawUsCounties(); });
  }

  function areaLabel(area) {
    const label = document.createElement("div");
    const word = area.kind === "nearby"
      ? (area.distanceKm ? `Nearby, ${Math.round(area.distanceKm)} km away` : "Nearby")
      : LEVEL_WORDS[area.kind];
    label.append(textNode("div", "area-label-level", `${word}: ${area.title}`));
    if (area.sender) label.append(textNode("div", "area-label-sender", area.sender));
    return label;
  }

  function shapesOf(area) {
    const style = { ...STYLE[area.kind], className: `area area-${area.kind}` };
    return [
      ...area.polygons.map((ring) => L.polygon(ring, style)),
      ...area.circles.map(([lat, lon, km]) => L.circle([lat, lon], { ...style, radius: km * 1000 })),
    ];
  }

  // areas: [{polygons: [[[lat, lon], ...]], circles: [[lat, lon, km]], kind: "do_not_chase"|"caution"|"info"|"nearby",
  //          title, sender, distanceKm}]; point: [lat, lon] or null. Each event's first shape carries its label.
  function drawMap(container, areas, point) {
    if (!map) {
      setUp(container);
      drawOutlines();
    }
    map.invalidateSize();
    areaLayer.clearLayers();
    const sorted = [...areas].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
    const strongest = sorted.length ? sorted[sorted.length - 1].kind : null;
    const focus = L.featureGroup();
    const labelled = new Set();
    const labels = [];
    for (const area of sorted) {
      for (const shape of shapesOf(area)) {
        shape.addTo(areaLayer);
        if (area.kind === strongest) focus.addLayer(L.rectangle(shape.getBounds()));
        if (labelled.has(area.key)) continue;
        labelled.add(area.key);
        labels.push({ area, box: shape.getBounds(), strongest: area.kind === strongest });
      }
    }
    if (point) {
      const head = textNode("span", "pin-head", "");
      const icon = L.divIcon({ className: "customer-pin", html: head, iconSize: [22, 30], iconAnchor: [11, 30] });
      L.marker(point, { icon, interactive: false, keyboard: false, zIndexOffset: 1000 })
        .bindTooltip("Customer", { permanent: true, direction: "right", offset: [10, -16], className: "customer-label" })
        .addTo(areaLayer);
    }
    // The view: the customer and the areas of the strongest level, which is what the agent must see.
    if (point) focus.addLayer(L.marker(point));
    const bounds = focus.getLayers().length ? focus.getBounds() : areaLayer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12, animate: false });
    } else {
      map.setView([20, 0], 2, { animate: false });
    }
    // Labels once the view is set, kept inside it: the strongest area's hangs from its top edge, the
    // others' sit on their bottom edge, so they stay clear of each other and of the pin in the middle.
    const view = map.getBounds();
    for (const { area, box, strongest: top } of labels) {
      const lat = top ? Math.min(box.getNorth(), view.getNorth()) : Math.max(box.getSouth(), view.getSouth());
      const lng = Math.min(Math.max(box.getCenter().lng, view.getWest()), view.getEast());
      L.tooltip({ permanent: true, className: `area-label area-label-${area.kind}`, direction: top ? "bottom" : "top" })
        .setLatLng([lat, lng]).setContent(areaLabel(area)).addTo(areaLayer);
    }
  }

  window.contextfeedMap = { drawMap };
})();
