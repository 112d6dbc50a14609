"""The read stage: every reader through `read_corpus`, on small articles written here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import write

from briefgen.errors import InputError
from briefgen.ingest import read_corpus

REFERENCE = date(2025, 9, 3)


def read(folder: Path, reference: date = REFERENCE):
    documents, diagnostics = read_corpus(folder, reference)
    return {(d.path, d.item): d for d in documents}, [str(d) for d in diagnostics]


def warnings_for(diagnostics: list[str], path: str) -> list[str]:
    return [d for d in diagnostics if d.startswith(f"{path}:")]


# --- .txt ------------------------------------------------------------------------------------------------

TXT_HEADER = (
    "date 2025-08-27 Haitian police and MSS officers cleared two barricades in Tabarre on the main road.\n"
    "\n"
    "Traffic in Port-au-Prince resumed by the afternoon, drivers said.\n"
)

TXT_BYLINE = """\
Kenyan-led officers of the MSS patrolled Carrefour with Haitian police after a night of shooting.

Shops in the Port-au-Prince suburb opened again the next morning, residents said.

Calm Returns To Carrefour Market
By Staff Reporter
Wednesday, August 27, 2025
Tags:
Post a Comment
0Comments
0
"""


def test_txt_header_line_gives_the_date_and_is_removed_from_the_text(tmp_path):
    write(tmp_path / "header.txt", TXT_HEADER)
    docs, diagnostics = read(tmp_path)
    doc = docs[("header.txt", None)]
    assert doc.published == date(2025, 8, 27)
    assert "header line" in doc.date_found_by
    assert doc.text.startswith("Haitian police and MSS officers cleared two barricades")
    assert "2025-08-27" not in doc.text
    assert "date " not in doc.text.split("\n")[0][:5].lower()
    assert doc.item is None
    assert warnings_for(diagnostics, "header.txt") == []


def test_txt_byline_block_gives_title_and_date_and_junk_never_reaches_the_text(tmp_path):
    write(tmp_path / "byline.txt", TXT_BYLINE)
    docs, _ = read(tmp_path)
    doc = docs[("byline.txt", None)]
    assert doc.title == "Calm Returns To Carrefour Market"
    assert doc.published == date(2025, 8, 27)
    assert "byline" in doc.date_found_by
    assert doc.text == (
        "Kenyan-led officers of the MSS patrolled Carrefour with Haitian police after a night of shooting."
        "\n\nShops in the Port-au-Prince suburb opened again the next morning, residents said."
    )
    for junk in ("Tags:", "Post a Comment", "0Comments", "Staff Reporter", "Wednesday", "Calm Returns"):
        assert junk not in doc.text
    # the lone "0" line is gone too: no paragraph is just a number
    assert all(not p.strip().isdigit() for p in doc.text.split("\n\n"))


# --- .md -------------------------------------------------------------------------------------------------

MARKDOWN = """\
---
title: "Boats for the coast guard"
date: 2025-08-26
url: https://harbour.example/boats
outlet: Harbour Ledger
---
# Two boats arrive

The **MSS** handed two [patrol boats](https://harbour.example/photo) to the *Haitian* coast guard
in `Port-au-Prince`, officials said on August 30, 2025.

- The boats carry __radios__ and night-vision kits.
> A spokesperson called it a welcome step.

![a boat](https://harbour.example/boat.jpg)
"""


def test_markdown_front_matter_fields_and_markup_stripped(tmp_path):
    write(tmp_path / "boats.md", MARKDOWN)
    docs, diagnostics = read(tmp_path)
    doc = docs[("boats.md", None)]
    assert doc.title == "Boats for the coast guard"
    assert doc.url == "https://harbour.example/boats"
    assert doc.outlet == "Harbour Ledger"
    assert doc.published == date(2025, 8, 26)  # front matter, not the August 30 in the text
    assert doc.date_found_by == "front matter 'date'"
    assert "The MSS handed two patrol boats to the Haitian coast guard" in doc.text
    assert "The boats carry radios and night-vision kits." in doc.text
    assert "A spokesperson called it a welcome step." in doc.text
    for markup in ("**", "__", "`", "](", "![", "# ", "> ", "- The", "---", "title:"):
        assert markup not in doc.text
    assert warnings_for(diagnostics, "boats.md") == []


# --- .html -----------------------------------------------------------------------------------------------

HTML_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Drones for the mission | Island Daily</title>
<meta property="article:published_time" content="2025-08-28T07:30:00Z">
<meta property="og:title" content="Drones for the mission">
<script>var trackerWordZeta = "analytics";</script>
</head><body>
<nav class="menu"><ul><li><a href="/">Home navWordAlpha</a></li><li><a href="/world">World</a></li></ul></nav>
<div class="cookie-banner" id="cookie-consent">We use cookies cookieWordBeta. Accept all cookies.</div>
<article>
<h1>Drones for the mission</h1>
<p>The Multinational Security Support mission in Haiti took delivery of four surveillance drones at
the airport of Port-au-Prince, a spokesperson for the Haitian National Police said.</p>
<p>The drones will help officers watch the roads into Cité Soleil and Croix-des-Bouquets, where gangs
have set up checkpoints since August 2, 2025.</p>
<p>A training course for the drone crews is planned for the coming weeks at the mission's base.</p>
</article>
<footer>Copyright Island Daily footerWordGamma. All rights reserved.</footer>
<script>document.write("scriptWordDelta");</script>
</body></html>
"""


def test_html_meta_date_and_page_chrome_left_out(tmp_path):
    write(tmp_path / "drones.html", HTML_PAGE)
    docs, diagnostics = read(tmp_path)
    doc = docs[("drones.html", None)]
    assert doc.published == date(2025, 8, 28)
    assert doc.date_found_by == "HTML meta 'article:published_time'"
    assert doc.title == "Drones for the mission"
    assert "took delivery of four surveillance drones" in doc.text
    assert "A training course for the drone crews is planned" in doc.text
    for chrome in (
        "navWordAlpha",
        "cookieWordBeta",
        "footerWordGamma",
        "scriptWordDelta",
        "trackerWordZeta",
        "cookies",
        "<p>",
        "<",
    ):
        assert chrome not in doc.text
    assert warnings_for(diagnostics, "drones.html") == []


# --- .jsonl ----------------------------------------------------------------------------------------------

JSONL = (
    "\n".join(
        [
            '{"title": "Arrests in Delmas", "published": "2025-08-25", "url": "https://wire.example/1", '
            '"outlet": "Wire One", "text": "Haitian police and MSS officers arrested four suspects in Delmas."}',
            '{"title": "broken", "text": ',
            '["a", "list", "not", "an", "object"]',
            '{"title": "Fuel arrives", "published": "2025-08-29T12:00:00Z", '
            '"text": "The MSS in Haiti received fuel supplies at the port of Port-au-Prince."}',
        ]
    )
    + "\n"
)


def test_jsonl_fields_item_index_and_bad_lines_warned_with_line_numbers(tmp_path):
    write(tmp_path / "wire.jsonl", JSONL)
    docs, diagnostics = read(tmp_path)
    assert sorted(k for k in docs if k[0] == "wire.jsonl") == [("wire.jsonl", 0), ("wire.jsonl", 3)]
    first, last = docs[("wire.jsonl", 0)], docs[("wire.jsonl", 3)]
    assert first.title == "Arrests in Delmas"
    assert first.url == "https://wire.example/1"
    assert first.outlet == "Wire One"
    assert first.published == date(2025, 8, 25)
    assert first.date_found_by == "JSONL 'published'"
    assert first.text == "Haitian police and MSS officers arrested four suspects in Delmas."
    assert last.title == "Fuel arrives"
    assert last.published == date(2025, 8, 29)
    assert last.item == 3
    warned = warnings_for(diagnostics, "wire.jsonl")
    assert any(w.startswith("wire.jsonl:2: not valid JSON") and w.endswith("; skipped") for w in warned)
    assert "wire.jsonl:3: expected a JSON object, got list; skipped" in warned
    assert len(warned) == 2


# --- RSS and Atom ----------------------------------------------------------------------------------------

RSS = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Caribbean Desk</title><link>https://desk.example</link><description>News</description>
<item><title>Radios delivered</title><link>https://desk.example/radios</link>
<pubDate>Fri, 29 Aug 2025 07:30:00 +0000</pubDate>
<description>&lt;p&gt;The MSS mission in Haiti received new radios for its patrols on August 20, 2025.&lt;/p&gt;</description>
</item>
<item><title>Checkpoint cleared</title><link>https://desk.example/checkpoint</link>
<pubDate>Tue, 26 Aug 2025 18:00:00 GMT</pubDate>
<description>Haitian police and MSS officers cleared a checkpoint in Tabarre.</description>
</item>
</channel></rss>
"""

ATOM = """\
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Atlantic Updates</title><id>urn:uuid:feed</id><updated>2025-08-31T00:00:00Z</updated>
<entry><title>Patrols extended</title><id>urn:uuid:e0</id><link href="https://atlantic.example/e0"/>
<published>2025-08-25T10:00:00Z</published><updated>2025-08-30T10:00:00Z</updated>
<content type="html">&lt;p&gt;The Kenyan-led MSS extended its patrols in Port-au-Prince.&lt;/p&gt;</content></entry>
<entry><title>Vote expected</title><id>urn:uuid:e1</id><link href="https://atlantic.example/e1"/>
<published>2025-08-27T10:00:00Z</published>
<summary>Diplomats expect a vote on the Haiti mission next month.</summary></entry>
</feed>
"""


def test_rss_one_document_per_item_dated_by_pubdate(tmp_path):
    write(tmp_path / "desk.rss", RSS)
    docs, diagnostics = read(tmp_path)
    assert sorted(k for k in docs if k[0] == "desk.rss") == [("desk.rss", 0), ("desk.rss", 1)]
    radios, checkpoint = docs[("desk.rss", 0)], docs[("desk.rss", 1)]
    assert radios.title == "Radios delivered"
    assert radios.url == "https://desk.example/radios"
    assert radios.outlet == "Caribbean Desk"
    assert radios.published == date(2025, 8, 29)  # pubDate wins over the August 20 in the text
    assert "feed" in radios.date_found_by
    assert radios.text == "The MSS mission in Haiti received new radios for its patrols on August 20, 2025."
    assert checkpoint.published == date(2025, 8, 26)
    assert checkpoint.item == 1
    assert warnings_for(diagnostics, "desk.rss") == []


def test_atom_one_document_per_entry_dated_by_published(tmp_path):
    write(tmp_path / "updates.atom", ATOM)
    docs, _ = read(tmp_path)
    assert sorted(k for k in docs if k[0] == "updates.atom") == [("updates.atom", 0), ("updates.atom", 1)]
    patrols, vote = docs[("updates.atom", 0)], docs[("updates.atom", 1)]
    assert patrols.published == date(2025, 8, 25)  # published, not updated (Aug 30)
    assert patrols.date_found_by == "feed published date"
    assert patrols.title == "Patrols extended"
    assert patrols.url == "https://atlantic.example/e0"
    assert patrols.text == "The Kenyan-led MSS extended its patrols in Port-au-Prince."
    assert vote.published == date(2025, 8, 27)
    assert vote.text == "Diplomats expect a vote on the Haiti mission next month."


# --- files that are skipped or repaired ------------------------------------------------------------------

GOOD_TXT = "date 2025-08-26 Haitian police and the MSS patrolled Delmas through the night.\n"


@pytest.mark.parametrize("name", ["report.pdf", "memo.docx"])
def test_unsupported_suffix_is_warned_and_skipped(tmp_path, name):
    write(tmp_path / name, b"%PDF-1.4 not really\n")
    write(tmp_path / "good.txt", GOOD_TXT)
    docs, diagnostics = read(tmp_path)
    assert list(docs) == [("good.txt", None)]
    suffix = Path(name).suffix
    assert diagnostics == [f"{name}: unsupported file type '{suffix}'; skipped"]


def test_binary_txt_and_empty_file_are_warned_and_skipped(tmp_path):
    write(tmp_path / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "good.txt", GOOD_TXT)
    docs, diagnostics = read(tmp_path)
    assert list(docs) == [("good.txt", None)]
    assert "binary.txt: binary file, not text; skipped" in diagnostics
    assert "empty.txt: empty file; skipped" in diagnostics


def test_non_utf8_bytes_are_replaced_with_a_warning(tmp_path):
    body = "date 2025-08-26 Haitian police in Port-au-Prince said the caf\xe9 near the MSS base reopened.\n"
    write(tmp_path / "latin1.txt", body.encode("latin-1"))
    docs, diagnostics = read(tmp_path)
    doc = docs[("latin1.txt", None)]
    assert "caf\ufffd near the MSS base reopened" in doc.text
    assert doc.published == date(2025, 8, 26)
    offset = body.encode("latin-1").index(b"\xe9")
    assert f"latin1.txt: not valid UTF-8 (byte {offset}); bad bytes replaced" in diagnostics


def test_bom_and_crlf_are_parsed_like_plain_utf8(tmp_path):
    write(
        tmp_path / "bom.txt",
        b"\xef\xbb\xbfdate 2025-08-26 Haitian police and MSS crews cleared the road to Kenscoff.\r\n\r\n"
        b"Drivers returned to the route by noon.\r\n",
    )
    write(
        tmp_path / "bom.md",
        b"\xef\xbb\xbf---\r\ntitle: Road reopened\r\ndate: 2025-08-27\r\n---\r\n\r\n"
        b"The **MSS** and Haitian police reopened the Kenscoff road.\r\n",
    )
    docs, diagnostics = read(tmp_path)
    txt, md = docs[("bom.txt", None)], docs[("bom.md", None)]
    assert txt.published == date(2025, 8, 26)
    assert txt.text == (
        "Haitian police and MSS crews cleared the road to Kenscoff.\n\nDrivers returned to the route by noon."
    )
    assert md.title == "Road reopened"
    assert md.published == date(2025, 8, 27)
    assert md.text == "The MSS and Haitian police reopened the Kenscoff road."
    for doc in (txt, md):
        assert "\ufeff" not in doc.text and "\r" not in doc.text
    assert diagnostics == []


def test_subfolders_are_read_recursively_with_relative_paths(tmp_path):
    write(tmp_path / "top.txt", GOOD_TXT)
    write(tmp_path / "2025" / "08" / "deep.txt", GOOD_TXT.replace("Delmas", "Tabarre"))
    write(tmp_path / "feeds" / "wire.jsonl", JSONL.splitlines()[0] + "\n")
    docs, _ = read(tmp_path)
    assert set(docs) == {("top.txt", None), ("2025/08/deep.txt", None), ("feeds/wire.jsonl", 0)}
    assert "Tabarre" in docs[("2025/08/deep.txt", None)].text


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    write(tmp_path / "a.txt", GOOD_TXT)
    write(tmp_path / "b.txt", b"\x00\x01\x02")
    write(tmp_path / "c.rss", RSS)
    docs, diagnostics = read(tmp_path)
    assert set(docs) == {("a.txt", None), ("c.rss", 0), ("c.rss", 1)}
    assert [d for d in diagnostics if d.startswith("b.txt")] == ["b.txt: binary file, not text; skipped"]


def test_missing_corpus_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="corpus folder not found"):
        read_corpus(tmp_path / "nowhere", REFERENCE)


def test_impossible_front_matter_date_is_warned_not_fatal(tmp_path):
    # YAML would take 2024-02-30 for a timestamp and raise; it must be a warning about that file only
    write(
        tmp_path / "bad-date.md",
        "---\ntitle: Impossible day\ndate: 2024-02-30\n---\n\nHaitian police and the MSS patrolled Delmas.\n",
    )
    write(tmp_path / "good.txt", GOOD_TXT)
    docs, diagnostics = read(tmp_path)
    assert docs[("good.txt", None)].published == date(2025, 8, 26)
    assert "bad-date.md: front matter date: not a date, got '2024-02-30'" in diagnostics
    assert docs[("bad-date.md", None)].title == "Impossible day"
    assert docs[("bad-date.md", None)].published is None


def test_undated_warning_names_the_file_once(tmp_path):
    write(tmp_path / "undated.txt", "Haitian police and the MSS patrolled Delmas through the night.\n")
    docs, diagnostics = read(tmp_path)
    assert docs[("undated.txt", None)].published is None
    undated = [d for d in diagnostics if "no publication date found" in d]
    assert len(undated) == 1
    assert undated[0].count("undated.txt") == 1
