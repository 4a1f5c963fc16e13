"""The domain: typed ORM tables, Pydantic schemas and pure rules. Imports neither Prefect nor Apprise."""
