"""Storage: SQLAlchemy 2 models, the engine set-up and the unit of work."""
