"""HTTP API (FastAPI): an app factory that features extend with their routers."""
