"""Distances on the Earth: one radius, one length of a degree, one great-circle formula."""

from __future__ import annotations

import math

# IUGG mean Earth radius (R1), the sphere every distance here is measured on.
EARTH_RADIUS_KM = 6371.0088
# The length of one degree of latitude (and of longitude at the equator) on that sphere: 2 pi R / 360.
KM_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_KM / 360


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def km_per_degree_of_longitude(lat: float) -> float:
    """How long a degree of longitude is at `lat`, never below a hundredth of the equator's (near the poles)."""
    return KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat)))
