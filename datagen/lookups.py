"""The third-party lookups: ``lookups/zones.csv`` and ``lookups/restaurants.csv``.

Small files (tens of zones, thousands of restaurants), so the csv module is plenty; the WKT
column holds commas and is quoted as CSV requires.
"""

from __future__ import annotations

import csv
from pathlib import Path

from datagen import geo
from datagen.catalog import CUISINES
from datagen.world import World


def write_lookups(world: World, out: Path) -> int:
    folder = out / "lookups"
    folder.mkdir(parents=True, exist_ok=True)
    z = world.zones
    with open(folder / "zones.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["zone_id", "neighborhood", "city", "wkt"])
        for i in range(len(z.zone_id)):
            w.writerow([int(z.zone_id[i]), z.neighborhood[i], geo.CITIES[z.city[i]].name, z.wkt(i)])
    cuisines = list(CUISINES)
    with open(folder / "restaurants.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["restaurant_id", "name", "cuisine", "lat", "lon", "city"])
        for i in range(len(world.rest_city)):
            w.writerow([i + 1, world.rest_name[i], cuisines[world.rest_cuisine[i]], f"{world.rest_lat[i]:.6f}",
                        f"{world.rest_lon[i]:.6f}", geo.CITIES[world.rest_city[i]].name])
    return (folder / "zones.csv").stat().st_size + (folder / "restaurants.csv").stat().st_size
