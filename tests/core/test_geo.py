"""core.geo: pure distance functions, checked against known distances."""

from math import asin, atan2, cos, degrees, pi, radians, sin

import pytest

from core.geo import EARTH_RADIUS_KM, bounding_box, haversine_km

LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
EDINBURGH = (55.9533, -3.1883)


def test_same_point_is_zero_km():
    assert haversine_km(*LONDON, *LONDON) == 0


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (LONDON, PARIS, 343.5),  # the textbook figure for central London to central Paris
        (LONDON, EDINBURGH, 534.0),
        ((0.0, 0.0), (0.0, 1.0), 111.2),  # one degree of longitude on the equator
    ],
)
def test_known_distances(a, b, km):
    assert haversine_km(*a, *b) == pytest.approx(km, abs=0.6)


def test_distance_is_symmetric():
    assert haversine_km(*LONDON, *EDINBURGH) == pytest.approx(haversine_km(*EDINBURGH, *LONDON))


def test_antipodes_are_half_a_circumference_apart():
    assert haversine_km(0, 0, 0, 180) == pytest.approx(pi * EARTH_RADIUS_KM)


def _destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point `km` from (lat, lon) on a bearing (standard spherical formula)."""
    phi, lam, theta = radians(lat), radians(lon), radians(bearing_deg)
    d = km / EARTH_RADIUS_KM
    phi2 = asin(sin(phi) * cos(d) + cos(phi) * sin(d) * cos(theta))
    lam2 = lam + atan2(sin(theta) * sin(d) * cos(phi), cos(d) - sin(phi) * sin(phi2))
    return degrees(phi2), degrees(lam2)


@pytest.mark.parametrize(("lat", "lon", "km"), [(50.84, -0.30, 20.0), (60.15, -1.15, 500.0)])
def test_bounding_box_contains_every_point_at_the_distance(lat, lon, km):
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, km)
    for bearing in range(360):
        plat, plon = _destination(lat, lon, bearing, km)
        assert haversine_km(lat, lon, plat, plon) == pytest.approx(km, rel=1e-9)
        assert min_lat - 1e-9 <= plat <= max_lat + 1e-9
        assert min_lon - 1e-9 <= plon <= max_lon + 1e-9


def test_bounding_box_is_tight_north_and_south():
    min_lat, max_lat, _min_lon, _max_lon = bounding_box(50.84, -0.30, 20.0)
    assert haversine_km(50.84, -0.30, max_lat, -0.30) == pytest.approx(20.0, rel=1e-9)
    assert haversine_km(50.84, -0.30, min_lat, -0.30) == pytest.approx(20.0, rel=1e-9)


def test_bounding_box_near_the_pole_spans_every_longitude():
    assert bounding_box(89.99, 0, 100)[2:] == (-180.0, 180.0)
