"""The select stage: which documents a briefing may use, and why each other one was left out."""

from __future__ import annotations

from briefgen.models import Document, Selection, Verdict, Window
from briefgen.summarise.lexicon import Lexicon
from briefgen.topic import Relevance, Role, TopicFile


def _names_enough(document: Document, whole: str, required: dict[Role, list[Lexicon]], rules: Relevance) -> bool:
    """Whether the article (`whole`: its title and text) is about the required roles: it names the mission
    anywhere, or the other roles in its title or lead, or repeatedly."""
    if any(lexicon.count(whole) for lexicon in required.get(Role.MISSION, [])):
        return True  # the mission is what the briefing is about: once is enough
    lexicons = [lexicon for group in required.values() for lexicon in group]
    if sum(lexicon.count(whole) for lexicon in lexicons) >= rules.min_role_hits:
        return True
    lead = "\n\n".join(document.text.split("\n\n")[:rules.lead]) if rules.lead else document.text
    return any(lexicon.count(f"{document.title or ''}\n{lead}") for lexicon in lexicons)


def select(documents: list[Document], window: Window, topic: TopicFile) -> list[Selection]:
    """Inside the window by publication date, and about the topic."""
    rules = topic.relevance
    relevance = Lexicon.of(rules.terms)
    required = {role: [Lexicon.of(topic.entities[group].terms) for group in topic.groups_with(role)]
                for role in rules.requires_any}
    verdicts = []
    for document in documents:
        text = f"{document.title or ''}\n{document.text}"
        if document.published is None:
            verdicts.append(Selection(document, Verdict.UNDATED, "no publication date"))
        elif document.published not in window:
            side = "before" if document.published < window.start else "after"
            verdicts.append(Selection(document, Verdict.OUT_OF_WINDOW, f"published {side} the window"))
        elif (hits := relevance.count(text)) < rules.min_hits:
            verdicts.append(Selection(document, Verdict.OFF_TOPIC, f"off topic ({hits} mention(s) of {topic.name})"))
        elif required and not _names_enough(document, text, required, rules):
            roles = ", ".join(rules.requires_any)
            verdicts.append(Selection(document, Verdict.OFF_TOPIC, f"off topic (names no {roles} in its lead, "
                                                                   f"nor {rules.min_role_hits} times in all)"))
        else:
            verdicts.append(Selection(document, Verdict.USED, "in the window and on topic"))
    return verdicts
