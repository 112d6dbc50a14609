"""The summarise stage: selected documents -> cited sections and key points for each audience.

extract (once per run): sentences -> facts filed under sections, with dates and fields.
merge (once per run): facts -> drafts, each fact with every report of it.
group_events (once per run): drafts -> events, each led by its strongest draft, the others its details.
compose (once per audience): events -> ranked, budgeted items citing their sources, with their evidence.
"""

from briefgen.summarise.compose import compose
from briefgen.summarise.events import Event, group_events
from briefgen.summarise.extract import Fact, extract
from briefgen.summarise.merge import Draft, merge

__all__ = ["Draft", "Event", "Fact", "compose", "extract", "group_events", "merge"]
