"""Pure spatial library: geodesic distance, incident areas, point and hazard indexes, gazetteer."""

from geo.areas import (
    AreaError,
    area_geometry,
    area_km2,
    circle,
    distance_to_area_km,
    polygon_from_geojson,
    to_geojson,
)
from geo.distance import geodesic_km, geodesic_km_many
from geo.gazetteer import OntarioGazetteer, make_geocoder
from geo.hazards import HazardZones
from geo.index import PointIndex, brute_force_within

__all__ = [
    "AreaError",
    "HazardZones",
    "OntarioGazetteer",
    "PointIndex",
    "area_geometry",
    "area_km2",
    "brute_force_within",
    "circle",
    "distance_to_area_km",
    "geodesic_km",
    "geodesic_km_many",
    "make_geocoder",
    "polygon_from_geojson",
    "to_geojson",
]
