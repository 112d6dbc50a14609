"""The select stage: which documents a briefing may use, and why each other one was left out."""

from __future__ import annotations

from datetime import date, timedelta

from briefgen.models import Document, Selection, Verdict, Window, WindowRule
from briefgen.schema import WindowSpec
from briefgen.summarise.lexicon import Lexicon, reach
from briefgen.topic import Relevance, Role, TopicFile


def resolve_window(spec: WindowSpec, as_of: date) -> Window:
    """The dates a config's window rule gives on the as-of date."""
    if spec.from_ is not None and spec.to is not None:
        return Window(spec.from_, spec.to)
    if spec.last_days is not None:
        return Window(as_of - timedelta(days=spec.last_days - 1), as_of, WindowRule.LAST_DAYS, as_of)
    if spec.period == "previous_week":
        start = as_of - timedelta(days=as_of.weekday() + 7)  # the Monday of the week before
        return Window(start, start + timedelta(days=6), WindowRule.PREVIOUS_WEEK, as_of)
    end = as_of.replace(day=1) - timedelta(days=1)
    return Window(end.replace(day=1), end, WindowRule.PREVIOUS_MONTH, as_of)


def _names_enough(document: Document, whole: str, required: dict[Role, list[Lexicon]], rules: Relevance) -> bool:
    """Whether the article (`whole`: its title and text) is about the required roles: it names the mission
    anywhere, or the other roles in its title or lead, or repeatedly."""
    if any(lexicon.reaches(whole, 1) for lexicon in required.get(Role.MISSION, [])):
        return True  # the mission is what the briefing is about: once is enough
    lexicons = [lexicon for group in required.values() for lexicon in group]
    if reach(lexicons, whole, rules.min_role_hits):
        return True
    lead = "\n\n".join(document.text.split("\n\n")[: rules.lead]) if rules.lead else document.text
    return any(lexicon.reaches(f"{document.title or ''}\n{lead}", 1) for lexicon in lexicons)


def select(documents: list[Document], window: Window, topic: TopicFile) -> list[Selection]:
    """Inside the window by publication date, and about the topic."""
    rules = topic.relevance
    relevance = Lexicon.of(rules.terms)
    required = {
        role: [Lexicon.of(topic.entities[group].terms) for group in topic.groups_with(role)]
        for role in rules.requires_any
    }
    verdicts = []
    for document in documents:
        text = f"{document.title or ''}\n{document.text}"
        if document.published is None:
            verdicts.append(Selection(document, Verdict.UNDATED, "no publication date"))
        elif document.published not in window:
            side = "before" if document.published < window.start else "after"
            verdicts.append(Selection(document, Verdict.OUT_OF_WINDOW, f"published {side} the window"))
        elif not relevance.reaches(text, rules.min_hits):
            hits = relevance.count(text)
            verdicts.append(Selection(document, Verdict.OFF_TOPIC, f"off topic ({hits} mention(s) of {topic.name})"))
        elif required and not _names_enough(document, text, required, rules):
            roles = ", ".join(rules.requires_any)
            verdicts.append(
                Selection(
                    document,
                    Verdict.OFF_TOPIC,
                    f"off topic (names no {roles} in its lead, nor {rules.min_role_hits} times in all)",
                )
            )
        else:
            verdicts.append(Selection(document, Verdict.USED, "in the window and on topic"))
    return verdicts
