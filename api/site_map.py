"""A small map of numbered sites around a town, drawn as inline SVG on the server, so that a
printed page needs no network call and no script: the town, a numbered marker per site, a
scale bar and north. Distances on it are true to a few per cent over the tens of kilometres
a caller's list spans (a local equirectangular projection about the town)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 640, 300
MARGIN = 28
"""Pixels kept clear around the markers, for the marker itself and its number."""
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_AT_EQUATOR = 111.320
MARKER_R = 10
MIN_SPAN_KM = 2.0
"""A map of sites all in one block still shows a couple of kilometres around them."""
SCALE_STEPS_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)


def _project(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """km east and north of (lat0, lon0)."""
    return (lon - lon0) * KM_PER_DEG_LON_AT_EQUATOR * math.cos(math.radians(lat0)), (lat - lat0) * KM_PER_DEG_LAT


def _scale_km(px_per_km: float) -> float:
    """The longest round length whose bar fits a quarter of the map's width."""
    fits = [km for km in SCALE_STEPS_KM if km * px_per_km <= WIDTH / 4]
    return fits[-1] if fits else SCALE_STEPS_KM[0]


def _free_spot(x: float, y: float, taken: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Where a marker for (x, y) can go without covering another: the point itself, else the
    first free place on rings around it (a leader line then joins them); sites in one street
    would otherwise hide each other's numbers."""
    def free(px: float, py: float) -> bool:
        inside = MARKER_R <= px <= WIDTH - MARKER_R and MARKER_R <= py <= HEIGHT - MARKER_R
        return inside and all((px - ox) ** 2 + (py - oy) ** 2 >= (2 * MARKER_R + 2) ** 2 for ox, oy in taken)

    if free(x, y):
        return x, y
    for ring in range(1, 6):
        for step in range(8 * ring):
            angle = -math.pi / 2 + 2 * math.pi * step / (8 * ring)
            spot = (x + ring * 2.4 * MARKER_R * math.cos(angle), y + ring * 2.4 * MARKER_R * math.sin(angle))
            if free(*spot):
                return spot
    return x, y


def _town_label(town: str, x: float, y: float, markers: Sequence[tuple[float, float]]) -> str:
    """The town's name beside its square, on whichever side covers the fewest markers."""
    width = 9 * len(town)  # about a bold 15 px letter's width each
    sides = [(x + 11, y - 9, "start"), (x - 11, y - 9, "end"), (x + 11, y + 20, "start"), (x - 11, y + 20, "end")]

    def covered(side: tuple[float, float, str]) -> int:
        lx, ly, anchor = side
        left = lx if anchor == "start" else lx - width
        return sum(left - MARKER_R <= mx <= left + width + MARKER_R and ly - 15 - MARKER_R <= my <= ly + MARKER_R
                   for mx, my in markers)

    lx, ly, anchor = min(sides, key=covered)
    return f'<text class="map-town-label" x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">{escape(town)}</text>'


def _figure(km: float, lang: str) -> str:
    text = f"{km:g}"
    return text.replace(".", ",") if lang == "fr" else text


def site_map(town: str, lat0: float, lon0: float, sites: Sequence[tuple[int, float, float]], lang: str,
             title: str) -> str:
    """The SVG of `sites` ((number, lat, lon), numbered as in the page's list) around the town at
    (lat0, lon0), labelled `town`; `title` names the map for screen readers. Text is escaped."""
    points = [(n, *_project(lat, lon, lat0, lon0)) for n, lat, lon in sites]
    xs = [0.0, *(x for _, x, _ in points)]
    ys = [0.0, *(y for _, _, y in points)]
    span_x = max(max(xs) - min(xs), MIN_SPAN_KM)
    span_y = max(max(ys) - min(ys), MIN_SPAN_KM)
    px_per_km = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return WIDTH / 2 + (x - mid_x) * px_per_km, HEIGHT / 2 - (y - mid_y) * px_per_km

    tx, ty = at(0.0, 0.0)
    parts = [f'<rect class="map-town" x="{tx - 7:.1f}" y="{ty - 7:.1f}" width="14" height="14"/>']
    taken = [(tx, ty)]
    leaders, markers = [], []
    for number, x, y in sorted(points, key=lambda p: p[1] ** 2 + p[2] ** 2):
        px, py = at(x, y)
        mx, my = _free_spot(px, py, taken)
        taken.append((mx, my))
        if (mx, my) != (px, py):
            leaders.append(f'<circle class="map-spot" cx="{px:.1f}" cy="{py:.1f}" r="2.5"/>'
                           f'<path class="map-leader" d="M{px:.1f} {py:.1f}L{mx:.1f} {my:.1f}"/>')
        markers.append(f'<g class="map-site"><circle cx="{mx:.1f}" cy="{my:.1f}" r="{MARKER_R}"/>'
                       f'<text x="{mx:.1f}" y="{my + 4:.1f}">{number}</text></g>')
    parts += leaders + markers  # every leader under every marker
    parts.append(_town_label(town, tx, ty, taken[1:]))
    km = _scale_km(px_per_km)
    bar = km * px_per_km
    x0, y0 = 16, HEIGHT - 16
    parts.append(f'<g class="map-scale"><path d="M{x0} {y0 - 5}V{y0}H{x0 + bar:.1f}V{y0 - 5}"/>'
                 f'<text x="{x0}" y="{y0 - 8}">0</text>'
                 f'<text x="{x0 + bar:.1f}" y="{y0 - 8}" text-anchor="end">{_figure(km, lang)} km</text></g>')
    parts.append(f'<g class="map-north"><path d="M{WIDTH - 22} {36}L{WIDTH - 15} {16}L{WIDTH - 8} {36}Z"/>'
                 f'<text x="{WIDTH - 15}" y="{50}" text-anchor="middle">N</text></g>')
    return (f'<svg class="site-map" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(parts)}</svg>')
