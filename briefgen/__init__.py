"""briefgen: turns a folder of news articles into a cited briefing."""

__version__ = "0.1.0"  # the only place it is written: pyproject.toml reads it (tool.setuptools.dynamic)
