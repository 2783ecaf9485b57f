"""Town-sized cells: where a caller is, as coarsely as a referral may know it.

Kafka keeps what it is given, replicated and replayable, so a referral must not let anyone place a
caller closer than their town. Distances from the caller's exact point to public shelters would:
a few of them, even rounded, trilaterate the caller to within metres. A referral is therefore
ranked and measured from the centre of the caller's cell, about CELL_KM on a side at every
latitude, and everything it writes is the same for any caller in that cell.
"""
from __future__ import annotations

import math

CELL_KM = 2.0
"""Side of a cell. A caller anywhere in it writes the same referral: no reader of Kafka can place
them closer than about a kilometre (the largest error of the best guess, its centre, is
CELL_KM / sqrt(2)); a shelter chosen from the centre is at most that much farther than one
chosen from the exact point."""

_KM_PER_DEG_LAT = 111.2


def _step(km_per_degree: float) -> float:
    return CELL_KM / km_per_degree


def cell_centre(lat: float, lon: float) -> tuple[float, float]:
    """The centre (lat, lon) of the cell holding (lat, lon). Rows are CELL_KM of latitude; each
    row's columns are CELL_KM of longitude at the row's middle, so cells stay square northward."""
    lat_step = _step(_KM_PER_DEG_LAT)
    row_lat = (math.floor(lat / lat_step) + 0.5) * lat_step
    row_lat = max(-89.99, min(89.99, row_lat))
    lon_step = _step(_KM_PER_DEG_LAT * math.cos(math.radians(row_lat)))
    centre_lon = (math.floor(lon / lon_step) + 0.5) * lon_step
    return row_lat, max(-180.0, min(180.0, centre_lon))
