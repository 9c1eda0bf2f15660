"""The public map page for people in transit, served at ``/`` to browsers.

Everything the page needs comes from this server: Leaflet from the ``xstatic-leaflet``
package's files, the basemap drawn from our own street network (``/streets``), texts from
the translation catalogs in ``locales/`` (Spanish by default, Portuguese, English). No tile
server is used unless one is configured (``GEOMAP_PAGE_TILE_URL``); no cookie is set.
"""

from api.page.routes import index_response, install

__all__ = ["index_response", "install"]
