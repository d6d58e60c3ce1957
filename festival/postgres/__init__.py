"""Django's PostgreSQL backend with a health check that costs no round trip to the server (see base.py)."""
