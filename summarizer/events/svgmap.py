"""A small inline SVG map of events from their coordinates: no tiles, no scripts, no network.

The points are drawn on an equirectangular grid fitted to them (with a margin), one
circle per event (its area grows with the death toll), labelled with the place, over
a graticule of whole degrees so distances can be read. No coastlines: the gazetteer
has none, and fetching them would need the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Point", "svg_map"]

WIDTH, HEIGHT = 640, 360
_PAD = 28


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    label: str
    killed: int | None = None
    title: str = ""


def _step(span: float) -> float:
    for step in (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30):
        if span / step <= 8:
            return step
    return 45


def svg_map(points: Sequence[Point], *, css_class: str = "smzd-map") -> str:
    """An ``<svg>`` element with the points, or "" when there are none."""
    if not points:
        return ""
    lats = [p.latitude for p in points]
    lons = [p.longitude for p in points]
    margin = 0.5
    south, north = min(lats) - margin, max(lats) + margin
    west, east = min(lons) - margin, max(lons) + margin
    # Keep the map's shape true at its middle latitude (longitude degrees shrink with cos(latitude)).
    scale_x = math.cos(math.radians((south + north) / 2)) or 1e-6
    span_x, span_y = (east - west) * scale_x, north - south
    fit = min((WIDTH - 2 * _PAD) / span_x, (HEIGHT - 2 * _PAD) / span_y)
    cx, cy = (west + east) / 2, (south + north) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return WIDTH / 2 + (lon - cx) * scale_x * fit, HEIGHT / 2 - (lat - cy) * fit

    out = [
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" style="max-width:{WIDTH}px" role="img" aria-label="Map of {len(points)} events">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f7fb" stroke="#bcd"/>',
    ]
    step = _step(max(east - west, north - south))
    lat = math.floor(south / step) * step
    while lat <= north:
        _, y = xy(lat, cx)
        if 0 <= y <= HEIGHT:
            out.append(f'<line x1="0" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde" stroke-width="1"/>')
            out.append(f'<text x="3" y="{y - 2:.1f}" font-size="9" fill="#889">{lat:g}°</text>')
        lat += step
    lon = math.floor(west / step) * step
    while lon <= east:
        x, _ = xy(cy, lon)
        if 0 <= x <= WIDTH:
            out.append(f'<line y1="0" y2="{HEIGHT}" x1="{x:.1f}" x2="{x:.1f}" stroke="#dde" stroke-width="1"/>')
            out.append(f'<text x="{x + 2:.1f}" y="{HEIGHT - 3}" font-size="9" fill="#889">{lon:g}°</text>')
        lon += step
    for p in points:
        x, y = xy(p.latitude, p.longitude)
        r = 4 + 2.5 * math.sqrt(p.killed or 0)
        tip = escape(p.title or p.label)
        out.append(
            f'<g><title>{tip}</title><circle cx="{x:.1f}" cy="{y:.1f}" r="{min(r, 22):.1f}" fill="#d33" '
            f'fill-opacity=".55" stroke="#a00"/><text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="11" '
            f'fill="#222">{escape(p.label)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
