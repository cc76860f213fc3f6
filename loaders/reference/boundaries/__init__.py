"""Commune polygons for the map: imported from a boundary file, or derived (approximate) from centroids.

Official boundary polygons ship in no package. A deployment that has a file (GeoJSON, a zipped
Shapefile, a GeoPackage) loads it with `read_boundary_file` → `match_features` → `import_boundaries`;
those rows are stored with approximate = false and are never overwritten by a derivation.

Without a file the map still works: `derive_approximate` builds one polygon per unit from the
packaged centroids and stores it with approximate = true, source 'approximate:voronoi':

- seeds: for the 2025 era, the centroids of the legacy communes that became part of the province's new
  units (unit_history, each old commune to its default new unit), plus every new unit's own centroid
  (the only seed of a unit no old commune maps to); for the legacy era, the legacy communes' own
  centroids;
- a Voronoi tessellation of the seeds (shapely.voronoi_polygons), in a metric projection (the WGS 84
  UTM zone of the province), dissolved into the units;
- clipped to an approximate province outline: the union of a disc around every seed whose radius is
  the seed's equivalent radius sqrt(area/π) times a factor, closed (buffer out then in) and without
  holes; the factor is chosen so that the outline's area matches the province's known area. Legacy
  communes carry no area: each gets an equal share of the new unit it became part of;
- simplified as a coverage (neighbours keep a shared edge, no gaps or overlaps appear) to at most
  MAX_POINTS points per unit, stored as WGS 84 GeoJSON with coordinates rounded to 1e-5° (≈1 m).

`feature_collection(rows)` turns stored rows into the FeatureCollection dict plotly's choropleth takes.
"""
# The package is split by source (geometry helpers, approximate cells, files, the shipped 2025 polygons;
# the command line is loaders/cli/boundaries.py); callers keep importing from `loaders.reference.boundaries`.
from loaders.common.text import fold_key  # noqa: F401  (tests fold names the way matching does)
from loaders.reference.boundaries.geometry import (  # noqa: F401
    ERAS, MAX_POINTS, PRECISION, SOURCE_APPROXIMATE, SOURCE_FILE_PREFIX, feature_collection, n_points, utm_crs)
from loaders.reference.boundaries.approximate import (  # noqa: F401
    derive_approximate, derive_geometries, ensure_boundaries)
from loaders.reference.boundaries.files import (  # noqa: F401
    CODE_COLUMNS, NAME_COLUMNS, BoundaryFileError, import_boundaries, match_features, read_boundary_file)
