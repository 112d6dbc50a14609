"""The learned section filer: which kind of section a sentence informs, or none.

A linear model over two kinds of features: what the sentence means (the 256-dimension static embedding
that the `wordllama` package ships in its wheel) and what the topic file says of it (the roles it names,
cue words per section kind, forward-looking and decision words). Because it predicts a section **kind**,
not a section id, a new mission's topic file benefits without retraining.

The weights ship in `briefgen/data/filer.npz`; `scripts/train_filer.py` rebuilds them reproducibly from
labelled sentences. Only numpy is needed to apply them.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from briefgen.files import resource_path
from briefgen.topic import NATION, Kind, Role

MODEL = resource_path("briefgen", "data", "filer.npz")  # a path: scripts/train_filer.py writes it
NONE = "none"  # the class of a sentence that informs no section
DIGIT = re.compile(r"\d")
# the topic-derived features, in order; the embedding follows them
TOPIC_FEATURES = (
    *(f"role:{r}" for r in Role),
    f"role:{NATION}",
    "forward",
    "decision",
    *(f"cues:{k}" for k in Kind),
    "digit",
)


@cache
def _embedder():
    """The static embedding model inside the wordllama wheel: loaded from the package folder, never fetched."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    from wordllama import WordLlama

    # importing it calls logging.basicConfig(level=INFO), which would print every library's progress lines
    root.handlers[:], root.level = handlers, level

    # the default loader looks for the tokenizer under the wrong folder name and would try to download it
    return WordLlama.load(cache_dir=resource_path("wordllama"), disable_download=True)


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length sentence embeddings, one row per text, computed in one batch, each different text once (a
    wire story's sentences come again in the outlets that carry it; a row does not depend on the others)."""
    if not texts:
        return np.zeros((0, 256), dtype=np.float32)
    different = {text: row for row, text in enumerate(dict.fromkeys(texts))}
    rows = np.asarray(_embedder().embed(list(different), norm=True), dtype=np.float32)
    return rows if len(different) == len(texts) else rows[[different[text] for text in texts]]


@dataclass(frozen=True)
class SentenceSignals:
    """What the topic file recognises in one sentence: the filer's topic features."""

    roles: frozenset[str]  # roles named, `nation` included
    forward: bool
    decision: bool
    cues: dict[Kind, int]  # cue words of each kind's sections

    def vector(self, has_digit: bool) -> list[float]:
        return [
            *(float(r in self.roles) for r in Role),
            float(NATION in self.roles),
            float(self.forward),
            float(self.decision),
            *(math.log1p(self.cues.get(k, 0)) for k in Kind),
            float(has_digit),
        ]


def features(texts: list[str], signals: list[SentenceSignals]) -> np.ndarray:
    topic = np.array(
        [s.vector(bool(DIGIT.search(t))) for t, s in zip(texts, signals, strict=True)], dtype=np.float32
    ).reshape(len(texts), len(TOPIC_FEATURES))
    return np.hstack([topic, embed(texts)])


@dataclass(frozen=True)
class Filer:
    classes: tuple[str, ...]  # NONE and the kinds
    coef: np.ndarray  # classes x features
    intercept: np.ndarray

    @classmethod
    def load(cls, path: Path = MODEL) -> Filer:
        with np.load(path, allow_pickle=False) as data:
            return cls(tuple(str(c) for c in data["classes"]), data["coef"], data["intercept"])

    def probabilities(self, x: np.ndarray) -> list[dict[str, float]]:
        """For each row, the probability of each class (NONE and each kind)."""
        if len(x) == 0:
            return []
        logits = x @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        odds /= odds.sum(axis=1, keepdims=True)
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in odds]


@cache
def shipped_filer() -> Filer:
    return Filer.load()
