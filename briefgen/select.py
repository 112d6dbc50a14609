"""The select stage: which documents a briefing may use, and why each other one was left out."""

from __future__ import annotations

from briefgen.config import TopicFile
from briefgen.models import Document, Selection, Window
from briefgen.summarise.lexicon import Lexicon


def select(documents: list[Document], window: Window, topic: TopicFile) -> list[Selection]:
    """Inside the window by publication date, and about the topic."""
    relevance = Lexicon.of(topic.relevance)
    required = [Lexicon.of(topic.entities[g]) for g in topic.relevance_requires_any if g in topic.entities]
    verdicts = []
    for document in documents:
        text = f"{document.title or ''}\n{document.text}"
        if document.published is None:
            verdicts.append(Selection(document, False, "no publication date"))
        elif document.published not in window:
            side = "before" if document.published < window.start else "after"
            verdicts.append(Selection(document, False, f"published {side} the window"))
        elif (hits := relevance.count(text)) < topic.min_relevance_hits:
            verdicts.append(Selection(document, False, f"off topic ({hits} mention(s) of {topic.name})"))
        elif required and not any(lexicon.count(text) for lexicon in required):
            groups = ", ".join(topic.relevance_requires_any)
            verdicts.append(Selection(document, False, f"off topic (names none of: {groups})"))
        else:
            verdicts.append(Selection(document, True, "in the window and on topic"))
    return verdicts
