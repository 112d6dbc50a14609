"""`briefgen serve`: the editors' page, a small Starlette application over the same pipeline and templates."""
