"""FastAPI service: one app, routers mounted per feature, every route guarded by a permission."""
