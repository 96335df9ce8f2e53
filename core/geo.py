"""Distances between councils: pure functions, no ORM, testable without a database.

Councils are points (their centroid's latitude and longitude). The great-circle
distance by the haversine formula on a sphere of the Earth's mean radius is
within 0.5% of the ellipsoidal distance, which is plenty for "within N km".
"""

from math import asin, cos, degrees, pi, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in decimal degrees."""
    phi1, phi2 = radians(lat1), radians(lat2)
    dphi = phi2 - phi1
    dlambda = radians(lon2 - lon1)
    h = sin(dphi / 2) ** 2 + cos(phi1) * cos(phi2) * sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing every point within `km` of (lat, lon).

    A cheap prefilter: anything outside the box is certainly further than `km`;
    inside it the exact distance still has to be checked.
    """
    angle = km / EARTH_RADIUS_KM
    dlat = degrees(angle)
    # The widest point of the circle is not on the centre's parallel: the exact
    # half-width in longitude is asin(sin(angle) / cos(lat)). Near a pole (or
    # for a huge radius) the circle wraps, so the box spans all longitudes.
    cos_lat = cos(radians(lat))
    if angle >= pi / 2 or sin(angle) >= cos_lat:
        return max(-90.0, lat - dlat), min(90.0, lat + dlat), -180.0, 180.0
    dlon = degrees(asin(sin(angle) / cos_lat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
