"""briefgen: turns a folder of news articles into a cited briefing."""

__version__ = "0.1.0"
