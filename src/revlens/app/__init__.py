"""The web app (NiceGUI on FastAPI): pages and the REST API under /api/v1."""
