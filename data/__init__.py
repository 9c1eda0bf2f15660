"""The data shipped with geomap, installed as the package ``geomap_data``.

See ``data/README.md`` for what each file is, where it comes from and its license, and
``geomap/resources.py`` for how the code finds it.
"""
