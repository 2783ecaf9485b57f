// Map projection and small geometry helpers: no map library, no tiles.

/**
 * Equirectangular projection, its horizontal scale set at 47°N (true in the settled south), in
 * SVG user units: KY units per degree of latitude.
 */
export const LON0 = -96.0;
export const LAT0 = 57.5;
export const KY = 60;
export const KX = KY * Math.cos((47 * Math.PI) / 180);

export function project(lon, lat) {
  return [(lon - LON0) * KX, (LAT0 - lat) * KY];
}

export function unproject(x, y) {
  return [x / KX + LON0, LAT0 - y / KY];
}

/** SVG path data for a ring of [lon, lat] positions. */
export function ringPath(ring, close = true) {
  if (!ring.length) return "";
  const parts = ring.map(([lon, lat], i) => {
    const [x, y] = project(lon, lat);
    return `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return parts.join("") + (close ? "Z" : "");
}

/** SVG path data for a GeoJSON Polygon or MultiPolygon (holes drawn with the even-odd rule). */
export function geometryPath(geometry) {
  if (!geometry) return "";
  if (geometry.type === "Polygon") return geometry.coordinates.map((r) => ringPath(r)).join("");
  if (geometry.type === "MultiPolygon") {
    return geometry.coordinates.map((poly) => poly.map((r) => ringPath(r)).join("")).join("");
  }
  return "";
}

function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(rings, lon, lat) {
  if (!rings.length || !inRing(rings[0], lon, lat)) return false;
  return !rings.slice(1).some((hole) => inRing(hole, lon, lat));
}

/** Does the GeoJSON Polygon or MultiPolygon contain the point? */
export function contains(geometry, lon, lat) {
  if (geometry?.type === "Polygon") return inPolygon(geometry.coordinates, lon, lat);
  if (geometry?.type === "MultiPolygon") return geometry.coordinates.some((p) => inPolygon(p, lon, lat));
  return false;
}

/** A point that lies well inside the geometry's largest ring: where to put its label. */
export function labelPoint(geometry) {
  const rings =
    geometry?.type === "Polygon"
      ? [geometry.coordinates[0]]
      : geometry?.type === "MultiPolygon"
        ? geometry.coordinates.map((p) => p[0])
        : [];
  let best = null;
  let bestArea = -1;
  for (const ring of rings) {
    if (!ring?.length) continue;
    let area = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const cross = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      area += cross;
      cx += (ring[j][0] + ring[i][0]) * cross;
      cy += (ring[j][1] + ring[i][1]) * cross;
    }
    if (Math.abs(area) > bestArea && area !== 0) {
      bestArea = Math.abs(area);
      best = [cx / (3 * area), cy / (3 * area)];
    }
  }
  return best;
}

/** Parse "44.6, -79.42" (or "44.6 -79.42") as latitude and longitude; null if it is not that. */
export function parseCoordinates(text) {
  const match = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return null;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return undefined;
  return { lat, lon };
}
