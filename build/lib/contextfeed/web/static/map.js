// An offline map: event areas (CAP polygons and circles, latitude first) and the customer's point,
// drawn as SVG in an equirectangular projection scaled by cos(latitude). No tiles, no network.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 480;
  const HEIGHT = 300;
  const PAD = 24;
  const KM_PER_DEGREE = 111.2;
  // Smallest span shown (degrees), so a lone point still has some surroundings.
  const MIN_SPAN = 0.08;

  function node(tag, attributes, parent) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
    if (parent) parent.appendChild(element);
    return element;
  }

  function circleBox(lat, lon, radiusKm) {
    const dLat = radiusKm / KM_PER_DEGREE;
    const dLon = radiusKm / (KM_PER_DEGREE * Math.max(0.01, Math.cos(lat * Math.PI / 180)));
    return [[lat - dLat, lon - dLon], [lat + dLat, lon + dLon]];
  }

  function bounds(areas, point) {
    const points = point ? [point] : [];
    for (const area of areas) {
      for (const ring of area.polygons) points.push(...ring);
      for (const [lat, lon, radius] of area.circles) points.push(...circleBox(lat, lon, radius));
    }
    if (!points.length) return null;
    let [minLat, maxLat] = [Infinity, -Infinity];
    let [minLon, maxLon] = [Infinity, -Infinity];
    for (const [lat, lon] of points) {
      minLat = Math.min(minLat, lat); maxLat = Math.max(maxLat, lat);
      minLon = Math.min(minLon, lon); maxLon = Math.max(maxLon, lon);
    }
    const growLat = Math.max(0, MIN_SPAN - (maxLat - minLat)) / 2;
    const growLon = Math.max(0, MIN_SPAN - (maxLon - minLon)) / 2;
    return { minLat: minLat - growLat, maxLat: maxLat + growLat, minLon: minLon - growLon, maxLon: maxLon + growLon };
  }

  function projection(box) {
    const midLat = (box.minLat + box.maxLat) / 2;
    const xScale = Math.cos(midLat * Math.PI / 180);
    const spanX = (box.maxLon - box.minLon) * xScale;
    const spanY = box.maxLat - box.minLat;
    const scale = Math.min((WIDTH - 2 * PAD) / spanX, (HEIGHT - 2 * PAD) / spanY);
    const offsetX = (WIDTH - spanX * scale) / 2;
    const offsetY = (HEIGHT - spanY * scale) / 2;
    return {
      pixelsPerDegree: scale,
      project: (lat, lon) => [offsetX + (lon - box.minLon) * xScale * scale, offsetY + (box.maxLat - lat) * scale],
    };
  }

  function niceStep(value) {
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const factor of [1, 2, 5, 10]) if (factor * power >= value) return factor * power;
    return 10 * power;
  }

  function graticule(svg, box, view) {
    const step = niceStep(Math.max(box.maxLat - box.minLat, box.maxLon - box.minLon) / 4);
    for (let lat = Math.ceil(box.minLat / step) * step; lat <= box.maxLat; lat += step) {
      const [x1, y] = view.project(lat, box.minLon - 10);
      const [x2] = view.project(lat, box.maxLon + 10);
      node("line", { x1, y1: y, x2, y2: y, class: "graticule" }, svg);
    }
    for (let lon = Math.ceil(box.minLon / step) * step; lon <= box.maxLon; lon += step) {
      const [x, y1] = view.project(box.maxLat + 10, lon);
      const [, y2] = view.project(box.minLat - 10, lon);
      node("line", { x1: x, y1, x2: x, y2, class: "graticule" }, svg);
    }
  }

  function scaleBar(svg, view) {
    const kmPerPixel = 1 / (view.pixelsPerDegree / KM_PER_DEGREE);
    const km = niceStep(kmPerPixel * WIDTH / 5);
    const length = km / kmPerPixel;
    const y = HEIGHT - 14;
    node("line", { x1: 14, y1: y, x2: 14 + length, y2: y, class: "scale" }, svg);
    node("line", { x1: 14, y1: y - 4, x2: 14, y2: y + 1, class: "scale" }, svg);
    node("line", { x1: 14 + length, y1: y - 4, x2: 14 + length, y2: y + 1, class: "scale" }, svg);
    const label = node("text", { x: 14, y: y - 7, class: "scale-text" }, svg);
    label.textContent = km >= 1 ? `${km} km` : `${Math.round(km * 1000)} m`;
  }

  // areas: [{polygons: [[[lat, lon], ...]], circles: [[lat, lon, km]], kind: "do_not_chase"|"caution"|"info"|"nearby"}]
  // point: [lat, lon] or null.
  function drawMap(svg, areas, point) {
    svg.replaceChildren();
    const box = bounds(areas, point);
    if (!box) {
      const text = node("text", { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "empty" }, svg);
      text.textContent = "Nothing to draw: no shapes and no known location";
      return;
    }
    const view = projection(box);
    graticule(svg, box, view);
    // Weakest first, so the strongest area is drawn on top.
    const order = ["nearby", "info", "caution", "do_not_chase"];
    const sorted = [...areas].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    for (const area of sorted) {
      for (const ring of area.polygons) {
        const points = ring.map(([lat, lon]) => view.project(lat, lon).map((v) => v.toFixed(1)).join(",")).join(" ");
        node("polygon", { points, class: `area-${area.kind}` }, svg);
      }
      for (const [lat, lon, radius] of area.circles) {
        const [cx, cy] = view.project(lat, lon);
        const r = Math.max(2, radius / KM_PER_DEGREE * view.pixelsPerDegree);
        node("circle", { cx, cy, r, class: `area-${area.kind}` }, svg);
      }
    }
    if (point) {
      const [x, y] = view.project(point[0], point[1]);
      node("circle", { cx: x, cy: y, r: 11, class: "customer-ring" }, svg);
      node("circle", { cx: x, cy: y, r: 6, class: "customer" }, svg);
      const label = node("text", { x: x + 13, y: y + 4, class: "label" }, svg);
      label.textContent = "Customer";
    }
    scaleBar(svg, view);
  }

  window.contextfeedMap = { drawMap };
})();
