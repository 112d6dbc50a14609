"""The select stage: which documents a briefing may use, and why each other one was left out."""

from __future__ import annotations

from briefgen.config import TopicFile
from briefgen.models import Document, Selection, Window
from briefgen.summarise.lexicon import Lexicon


def select(documents: list[Document], window: Window, topic: TopicFile) -> list[Selection]:
    """Inside the window by publication date, and about the topic."""
    relevance = Lexicon.of(topic.relevance)
    verdicts = []
    for document in documents:
        if document.published is None:
            verdicts.append(Selection(document, False, "no publication date"))
        elif document.published not in window:
            side = "before" if document.published < window.start else "after"
            verdicts.append(Selection(document, False, f"published {side} the window"))
        elif (hits := relevance.count(f"{document.title or ''}\n{document.text}")) < topic.min_relevance_hits:
            verdicts.append(Selection(document, False, f"off topic ({hits} mention(s) of {topic.name})"))
        else:
            verdicts.append(Selection(document, True, "in the window and on topic"))
    return verdicts
