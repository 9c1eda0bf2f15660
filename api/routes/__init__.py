"""The routers of the API."""
