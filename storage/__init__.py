"""Persistence: SQLAlchemy models (one module per domain) on one ``Base`` (:mod:`storage.db`)."""
