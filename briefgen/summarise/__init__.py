"""The summarise stage: selected documents -> cited sections and key points for each audience.

extract (once per run): sentences -> facts filed under sections, with dates and fields.
merge (once per run): facts -> drafts, each fact with every report of it.
compose (once per audience): drafts -> ranked, budgeted items citing their sources.
"""

from briefgen.summarise.compose import Draft, compose, merge
from briefgen.summarise.extract import Fact, extract

__all__ = ["Draft", "Fact", "compose", "extract", "merge"]
