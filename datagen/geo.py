"""Synthetic geography: three cities, each a grid of neighbourhood zones with jittered corners.

The zones tile each city without gaps or overlaps (neighbouring zones share their corner
points), so every point inside a city's grid lies in exactly one zone, or on a shared border.
Points are drawn strictly inside a zone (away from its borders), or clearly outside every zone,
so which zone a generated point belongs to is known without a point-in-polygon test. The
neighbourhood names are real, their placement on the grid is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CELL_LAT, CELL_LON = 0.018, 0.028  # about 2 km by 2 km at these latitudes
JITTER = 0.12  # corners move up to this share of a cell, which keeps every zone convex


@dataclass(frozen=True)
class City:
    name: str
    lat: float
    lon: float
    rows: int
    cols: int
    share: float  # of users, restaurants and traffic
    neighborhoods: tuple[str, ...]


CITIES = (
    City("London", 51.507, -0.128, 4, 5, 0.5, (
        "Brixton", "Clapham", "Peckham", "Greenwich", "Bermondsey", "Fulham", "Chelsea", "Soho", "Whitechapel",
        "Stratford", "Hammersmith", "Kensington", "Marylebone", "Shoreditch", "Hackney", "Wimbledon",
        "Notting Hill", "Camden", "Islington", "Mayfair")),
    City("Manchester", 53.480, -2.242, 4, 3, 0.3, (
        "Fallowfield", "Moss Side", "Levenshulme", "Hulme", "Deansgate", "Ardwick", "Salford Quays",
        "Spinningfields", "Ancoats", "Chorlton", "Northern Quarter", "Didsbury")),
    City("Bristol", 51.454, -2.588, 3, 3, 0.2, (
        "Bedminster", "Southville", "Totterdown", "Harbourside", "Clifton", "Easton", "Redland", "Cotham",
        "Stokes Croft")),
)


@dataclass
class Zones:
    """All zones of all cities; zone ids start at 1 in city order, row by row from the south-west."""

    zone_id: np.ndarray
    city: np.ndarray  # index into CITIES
    neighborhood: list[str]
    corners: np.ndarray  # (n, 4, 2) lon/lat: south-west, south-east, north-east, north-west
    weight: np.ndarray  # relative density: central zones are busier
    congestion: np.ndarray  # delivery slowness factor, ~0.8..1.4

    def wkt(self, i: int) -> str:
        ring = [*self.corners[i], self.corners[i][0]]
        return "POLYGON ((" + ", ".join(f"{lon:.6f} {lat:.6f}" for lon, lat in ring) + "))"


def build_zones(rng: np.random.Generator) -> Zones:
    ids, cities, names, corners, weights = [], [], [], [], []
    for c, city in enumerate(CITIES):
        assert len(city.neighborhoods) == city.rows * city.cols
        r = np.arange(city.rows + 1)[:, None] + rng.uniform(-JITTER, JITTER, (city.rows + 1, city.cols + 1))
        k = np.arange(city.cols + 1)[None, :] + rng.uniform(-JITTER, JITTER, (city.rows + 1, city.cols + 1))
        lat = city.lat + (r - city.rows / 2) * CELL_LAT
        lon = city.lon + (k - city.cols / 2) * CELL_LON
        for i in range(city.rows):
            for j in range(city.cols):
                quad = [(lon[i, j], lat[i, j]), (lon[i, j + 1], lat[i, j + 1]),
                        (lon[i + 1, j + 1], lat[i + 1, j + 1]), (lon[i + 1, j], lat[i + 1, j])]
                corners.append(quad)
                cities.append(c)
                names.append(city.neighborhoods[i * city.cols + j])
                dist = np.hypot(i + 0.5 - city.rows / 2, j + 0.5 - city.cols / 2)
                weights.append(np.exp(-0.35 * dist**2) + 0.15)
                ids.append(len(ids) + 1)
    n = len(ids)
    return Zones(np.array(ids), np.array(cities), names, np.array(corners), np.array(weights),
                 rng.uniform(0.8, 1.4, n))


def points_in_zones(zones: Zones, zone_idx: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random (lat, lon) strictly inside the given zones (bilinear in the convex quad, off the border)."""
    u = rng.uniform(0.04, 0.96, len(zone_idx))[:, None]
    v = rng.uniform(0.04, 0.96, len(zone_idx))[:, None]
    q = zones.corners[zone_idx]
    p = (1 - u) * (1 - v) * q[:, 0] + u * (1 - v) * q[:, 1] + u * v * q[:, 2] + (1 - u) * v * q[:, 3]
    return p[:, 1], p[:, 0]


def points_outside(city_idx: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random (lat, lon) in a city's outskirts: beyond its zone grid, inside no zone at all."""
    lat, lon = np.empty(len(city_idx)), np.empty(len(city_idx))
    angle = rng.uniform(0, 2 * np.pi, len(city_idx))
    for c, city in enumerate(CITIES):
        m = city_idx == c
        reach = np.hypot(city.rows / 2, city.cols / 2) + 1 + rng.uniform(0.3, 2.0, m.sum())  # in cells
        lat[m] = city.lat + np.sin(angle[m]) * reach * CELL_LAT
        lon[m] = city.lon + np.cos(angle[m]) * reach * CELL_LON
    return lat, lon


def km_between(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Equirectangular distance; plenty for a few kilometres."""
    x = np.radians(lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    y = np.radians(lat2 - lat1)
    return 6371.0 * np.hypot(x, y)
