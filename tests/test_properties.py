"""Property-based tests: whatever bytes arrive, no exception escapes but briefgen's own, and every file
written opens."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import date
from pathlib import Path

import docx
from conftest import write, write_config, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from briefgen.config import build_request
from briefgen.errors import BriefgenError
from briefgen.ingest import read_corpus
from briefgen.pipeline import build

SUFFIXES = [".txt", ".md", ".html", ".jsonl", ".rss", ".atom"]
TAGS = ["p", "div", "article", "script", "style", "table", "td", "a", "img", "iframe", "h1", "title", "meta",
        "item", "entry", "description", "pubDate", "![CDATA[", "!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]"]
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
markup = st.lists(st.one_of(
    words,
    st.sampled_from(TAGS).map(lambda tag: f"<{tag}>"),
    st.sampled_from(TAGS).map(lambda tag: f"</{tag}>"),
    st.just('<meta property="article:published_time" content="2025-08-27">'),
    st.just("---\ntitle: [x\n---\n"),
    st.just('{"title": "t", "published": "2025-08-27", "text": "MSS Haiti PNH"}\n'),
), max_size=30).map("".join)
payloads = st.one_of(
    st.binary(max_size=2000),
    words.map(lambda text: text.encode("utf-8")),
    markup.map(lambda text: text.encode("utf-8")),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(suffix=st.sampled_from(SUFFIXES), payload=payloads)
def test_every_reader_survives_any_bytes(suffix, payload):
    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder) / f"article{suffix}", payload)
        try:
            documents, _ = read_corpus(Path(folder), date(2025, 9, 1))
        except BriefgenError:
            return
        for document in documents:
            assert document.text and "\x00" not in document.text


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(suffix=st.sampled_from(SUFFIXES), payload=payloads, text=markup)
def test_a_whole_build_with_a_random_article_writes_files_that_open(suffix, payload, text):
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        write_corpus(folder / "corpus")
        write(folder / "corpus" / f"random{suffix}", payload)
        write(folder / "corpus" / "random-text.txt",
              f"date 2025-08-27 The MSS mission in Haiti and the PNH said: {text}".encode())
        request = build_request(write_config(folder), corpus=str(folder / "corpus"), out=str(folder / "out"),
                                audiences=["executive"])
        try:
            result = build(request)
        except BriefgenError:
            return
        for path in result.written:
            data = path.read_bytes()
            if path.suffix == ".pdf":
                assert len(PdfReader(io.BytesIO(data)).pages) >= 1
            elif path.suffix == ".docx":
                assert docx.Document(io.BytesIO(data)).paragraphs
            elif path.suffix == ".json":
                assert json.loads(data)["sections"]
            else:
                assert data.decode("utf-8").startswith("<!DOCTYPE html>")
