"""Point-in-zone look-up for ``geo_zone``: a regular grid over the zones, built with an STRtree.

Rule: a point belongs to every zone that COVERS it (inside or on the border); when several
do (a point on a shared border, overlapping zones) the zone that comes first in the index wins.
``geo_zone`` orders the zones by zone id, so the lowest zone id wins. A point covered by no
zone, or with a NULL/NaN coordinate, gets -1.

How (and why this way rather than a plain STRtree query or H3). The zones' bounding box is cut
into a grid of about ``256 x zones`` cells (at most 65,536). Each cell is tested once against
the zones, through ``shapely.STRtree`` queries with the cell slightly enlarged (1% per side, so
a point put in a neighbouring cell by rounding is still inside the tested box):

* no zone boundary crosses the cell -> every point in it has the same answer: the first zone
  the cell touches (then it lies in that zone's interior), or none;
* a boundary crosses it -> its points are tested exactly with ``shapely.intersects_xy``
  against only the zones that touch the cell (prepared geometries).

A point then costs two floor divisions and an array look-up, and only points near a border
(about 9% with 200 zones and 51,200 cells) need an exact test. Measured on this machine (2
cores; 200 Voronoi zones of ~76 vertices over a city-sized box; uniform random points, 62% in
a zone; shapely 2.2.0, GEOS 3.14), single thread:

====================================================  ==========  ==============
method                                                1M points   10M points
====================================================  ==========  ==============
``STRtree.query(points, predicate="intersects")``     4.9 s       ~50 s (est.)
per zone: bbox mask + ``intersects_xy``               1.9 s       18.8 s
grid pre-filter (this module), incl. 0.3 s build      --          1.2 s
====================================================  ==========  ==============

All three gave identical answers on the 10M points, on every zone vertex (15,172 points that
lie exactly on borders) and on points placed on the grid lines. H3 pre-filtering was not
measured: the h3 package is not installed here, and the grid needs no extra dependency while
leaving only ~9% of the points for the exact test.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

_MAX_CELLS = 65_536
_CELLS_PER_ZONE = 256
_CHUNK = 1_000_000
_NONE, _MIXED = -1, -2


class ZoneIndex:
    """Index of polygons (in priority order: index 0 wins a tie); ``lookup`` gives zone positions."""

    def __init__(self, zones: np.ndarray) -> None:
        self.zones = np.asarray(zones, dtype=object)
        shapely.prepare(self.zones)
        n = len(self.zones)
        if n == 0:
            self.nx = self.ny = 0
            return
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(self.zones))
        pad = max(x1 - x0, y1 - y0, 1e-9) * 1e-9
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
        w, h = x1 - x0, y1 - y0
        cells = min(_MAX_CELLS, max(64, _CELLS_PER_ZONE * n))
        nx = max(1, int(round(math.sqrt(cells * w / h))))
        ny = max(1, int(math.ceil(cells / nx)))
        self.x0, self.y0, self.dx, self.dy, self.nx, self.ny = x0, y0, w / nx, h / ny, nx, ny

        ix, iy = np.divmod(np.arange(nx * ny), ny)
        ex, ey = self.dx * 0.01, self.dy * 0.01
        boxes = shapely.box(x0 + ix * self.dx - ex, y0 + iy * self.dy - ey,
                            x0 + (ix + 1) * self.dx + ex, y0 + (iy + 1) * self.dy + ey)
        box_i, zone_i = shapely.STRtree(self.zones).query(boxes, predicate="intersects")
        order = np.lexsort((zone_i, box_i))  # per cell, candidate zones in priority order
        box_i, self.cand = box_i[order], zone_i[order]
        self.starts = np.searchsorted(box_i, np.arange(nx * ny + 1))
        state = np.full(nx * ny, _NONE, dtype=np.int64)
        first = np.ones(len(box_i), dtype=bool)
        first[1:] = box_i[1:] != box_i[:-1]
        state[box_i[first]] = self.cand[first]
        crossed = shapely.STRtree(shapely.boundary(self.zones)).query(boxes, predicate="intersects")[0]
        state[crossed] = _MIXED
        self.state = state

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Zone position of each point (-1: none); coordinates as float arrays, NaN for NULL."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        out = np.full(len(lon), _NONE, dtype=np.int64)
        if self.nx == 0:
            return out
        for s in range(0, len(lon), _CHUNK):
            out[s:s + _CHUNK] = self._lookup(lon[s:s + _CHUNK], lat[s:s + _CHUNK])
        return out

    def _lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        ok = np.isfinite(lon) & np.isfinite(lat)
        fx = np.floor((np.where(ok, lon, self.x0) - self.x0) / self.dx)
        fy = np.floor((np.where(ok, lat, self.y0) - self.y0) / self.dy)
        inside = ok & (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        cell = np.where(inside, fx * self.ny + fy, 0).astype(np.int64)
        out = np.where(inside, self.state[cell], _NONE)
        todo = np.nonzero(out == _MIXED)[0]
        if len(todo):
            out[todo] = self._exact(lon[todo], lat[todo], cell[todo])
        return out

    def _exact(self, lon: np.ndarray, lat: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """First candidate zone of each point's cell that covers the point (-1: none)."""
        begin, count = self.starts[cell], self.starts[cell + 1] - self.starts[cell]
        point = np.repeat(np.arange(len(cell)), count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        zone = self.cand[np.repeat(begin, count) + offset]
        hit = shapely.intersects_xy(self.zones[zone], lon[point], lat[point])
        best = np.full(len(cell), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, point[hit], zone[hit])
        best[best == np.iinfo(np.int64).max] = _NONE
        return best
