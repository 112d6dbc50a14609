"""The summarise stage: selected documents -> cited sections and key points for each audience.

extract (once per run): sentences -> facts filed under sections, with dates and fields.
compose (once per audience): facts -> merged, ranked, budgeted items citing their sources.
"""

from briefgen.summarise.compose import compose
from briefgen.summarise.extract import Fact, extract

__all__ = ["Fact", "compose", "extract"]
