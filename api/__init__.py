"""HTTP API of geomap (the registry and routing endpoints are built here)."""
