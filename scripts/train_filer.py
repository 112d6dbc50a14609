"""Rebuild the learned section filer (`briefgen/data/filer.npz`) from labelled sentences.

    .venv/bin/python scripts/train_filer.py              # train on every labelled set, write the model
    .venv/bin/python scripts/train_filer.py --cross      # also: hold each development set out in turn

Labelled sentences come from the gold files beside the project (`../shared/eval/`): the seed articles and
every development corpus. Each gold fact names its section, its source documents and regexes that match
its sentence there; a sentence of a source that matches every regex of a fact is labelled with the **kind**
of the fact's section, every other sentence of the corpus `none`. The articles stay in `../shared`: only the
weights are written into the package. The same inputs give the same file on one kind of processor; another's
BLAS rounds the last bits its own way (the weights differ by about 1e-5 of their size).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# BLAS sums in another order with another number of threads, and the weights' last bits follow: the shipped
# weights were fitted with two, so the script fixes two whatever the machine or the caller's environment says
# (set before numpy loads BLAS)
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "2"

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.config import load_config  # noqa: E402
from briefgen.ingest import read_corpus  # noqa: E402
from briefgen.summarise.extract import TopicMatchers, candidates  # noqa: E402
from briefgen.summarise.filer import MODEL, NONE, TOPIC_FEATURES, features  # noqa: E402

SHARED = ROOT.parent / "shared"
EXAMPLES = Path(__file__).resolve().parent / "filer_examples.yaml"  # sentences written for the filer, by kind
C = 1.0  # inverse regularisation strength, chosen by holding each development set out in turn
CLEAN = ("written", "seeds")  # sets whose labels were checked sentence by sentence
CLEAN_WEIGHT = 3.0


@dataclass(frozen=True)
class LabelledSet:
    name: str
    corpus: Path
    gold: Path
    config: Path


def labelled_sets() -> list[LabelledSet]:
    weekly = ROOT / "config" / "weekly.yaml"
    sets = [LabelledSet("seeds", SHARED / "seeds", SHARED / "eval" / "seeds-gold.yaml", weekly)]
    for folder in sorted((SHARED / "eval" / "dev").iterdir()):
        if not (folder / "gold.yaml").exists():
            continue
        spec = yaml.safe_load((folder / "set.yaml").read_text()) if (folder / "set.yaml").exists() else {}
        config = ROOT / spec.get("config", "config/weekly.yaml")
        sets.append(LabelledSet(folder.name, folder / "corpus", folder / "gold.yaml", config))
    return sets


def sentences_of(labelled: LabelledSet) -> tuple[list[str], np.ndarray, list[str]]:
    """(texts, features, labels) of every candidate sentence of the set's gold documents."""
    gold = yaml.safe_load(labelled.gold.read_text(encoding="utf-8"))
    topic = load_config(labelled.config).topic
    matchers = TopicMatchers.of(topic)
    latest = max(date.fromisoformat(str(d["published"])) for d in gold["documents"])
    documents, _ = read_corpus(labelled.corpus, latest)
    by_key = {d.key: d for d in documents}
    facts = [f for f in gold["facts"] if f["section"] in topic.sections]
    texts, labels = [], []
    for entry in gold["documents"]:
        key = entry["file"] if entry.get("item") is None else f"{entry['file']}#{entry['item']}"
        document = by_key.get(key)
        if document is None:
            continue
        own = [f for f in facts if key in f["sources"]] if entry.get("relevant", True) else []
        for candidate in candidates(document):
            fact = next((f for f in own if all(re.search(rx, candidate.text, re.I) for rx in f["match"])), None)
            texts.append(candidate.text)
            labels.append(str(topic.sections[fact["section"]].kind) if fact else NONE)
    signals = [matchers.signals(t) for t in texts]
    return texts, features(texts, signals), labels


def written_examples() -> tuple[list[str], np.ndarray, list[str]]:
    """The labelled sentences of EXAMPLES, read with the Haiti topic (they name other missions too, which
    teaches the filer to rely on meaning where a topic's words are missing)."""
    by_kind = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
    texts = [text for kind in by_kind for text in by_kind[kind]]
    labels = [kind for kind in by_kind for _ in by_kind[kind]]
    matchers = TopicMatchers.of(load_config(ROOT / "config" / "weekly.yaml").topic)
    return texts, features(texts, [matchers.signals(t) for t in texts]), labels


def fit(x: np.ndarray, y: list[str], weights: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    return model.fit(x, y, sample_weight=weights)


def stack(data: dict[str, tuple[list[str], np.ndarray, list[str]]], names: list[str]):
    """Features, labels and weights of the named sets: the written examples and the seeds, clean and few,
    weigh more than the many sentences labelled by matching gold regexes."""
    weights = np.concatenate([np.full(len(data[n][2]), CLEAN_WEIGHT if n in CLEAN else 1.0) for n in names])
    return np.vstack([data[n][1] for n in names]), [label for n in names for label in data[n][2]], weights


def report(name: str, model: LogisticRegression, x: np.ndarray, y: list[str]) -> None:
    predicted = model.predict(x)
    print(f"  held out {name}: {len(y)} sentences, {Counter(y)}")
    for label in sorted(set(y) | set(predicted)):
        tp = sum(p == label and t == label for p, t in zip(predicted, y, strict=True))
        fp = sum(p == label and t != label for p, t in zip(predicted, y, strict=True))
        fn = sum(p != label and t == label for p, t in zip(predicted, y, strict=True))
        print(f"    {label:<16} precision={tp / max(tp + fp, 1):.2f} recall={tp / max(tp + fn, 1):.2f} (n={tp + fn})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross", action="store_true", help="hold each development set out in turn and report")
    parser.add_argument("--exclude", nargs="*", default=[], help="sets to leave out of the written model")
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    data = {s.name: sentences_of(s) for s in labelled_sets()}
    data["written"] = written_examples()
    if args.cross:
        for held in data:
            if held in ("seeds", "written"):
                continue
            train = [name for name in data if name != held]
            model = fit(*stack(data, train))
            report(held, model, data[held][1], data[held][2])
    used = [name for name in data if name not in args.exclude]
    model = fit(*stack(data, used))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as handle:
        np.savez(
            handle,
            classes=np.array(model.classes_, dtype=str),
            coef=model.coef_.astype(np.float32),
            intercept=model.intercept_.astype(np.float32),
            features=np.array(TOPIC_FEATURES, dtype=str),
            trained_on=np.array(used, dtype=str),
        )
    print(f"wrote {args.out} (trained on {', '.join(used)}: {sum(len(data[n][2]) for n in used)} sentences)")


if __name__ == "__main__":
    main()
