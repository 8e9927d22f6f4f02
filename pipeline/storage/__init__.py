"""Storage: the content-addressed file store (`blobstore`), the database (`db`: models, engine,
migrate) and its Alembic migrations (`migrations`)."""
