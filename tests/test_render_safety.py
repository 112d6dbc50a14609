"""Article text is untrusted. Markup, template syntax and hostile URLs in an article's title, text and url (a
Markdown file, a plain-text file and a JSON Lines record) stay inert text in every output, and the PDF renderer
reads nothing but the template folders.

Every article here is invented for the tests.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from conftest import (
    BUILTIN_TEMPLATES,
    SECTIONS_YAML,
    docx_blocks,
    find_in_order,
    flat,
    html_body_text,
    pdf_body_text,
    run_cli,
    squash,
    write,
)

from briefgen.render.pdf import TemplateOnlyFetcher

IMG = '<img src="file:///etc/passwd">'
SCRIPT = "<script>alert(1)</script>"
IFRAME = '<iframe src="http://169.254.169.254/"></iframe>'
DIV = '<div style="background:url(file:///etc/passwd)">'
JINJA = "{{ 7*7 }}"
JS_URL = "javascript:alert(1)"
PAYLOADS = [IMG, SCRIPT, IFRAME, DIV, JINJA]

HOSTILE_MD = f"""\
---
title: 'Patrol report {IMG} {SCRIPT} {JINJA}'
date: 2025-08-26
url: "{JS_URL}"
outlet: Lantern Wire
---
Haitian police and MSS officers raided a gang hideout in Delmas {IMG} and arrested four suspects.

The joint operation in Port-au-Prince seized rifles {SCRIPT} from the gang depot.

MSS officers said the gang barricade near Carrefour {IFRAME} was cleared by the police.

The mission will extend police patrols in Port-au-Prince {JINJA} next month, officials said.
"""
HOSTILE_TXT = f"""\
date 2025-08-28
Roadblock cleared {IFRAME} in Tabarre {DIV} {JINJA}

Haitian police and MSS teams cleared a gang roadblock in Tabarre {DIV} and arrested three men.

The Haitian National Police said the MSS mission seized ammunition {JINJA} in the operation.
"""
HOSTILE_JSONL = (
    json.dumps(
        {
            "title": f"Radios {SCRIPT} for the police {IMG} {JINJA}",
            "published": "2025-08-29",
            "url": JS_URL,
            "text": (
                f"The MSS mission in Haiti received twelve radios {SCRIPT} delivered to the Haitian police {JINJA} "
                f"at the Port-au-Prince depot. A donor supplied night-vision equipment {IFRAME} to the Haitian "
                f"National Police and the mission."
            ),
        }
    )
    + "\n"
)

CONFIG = """\
title: Safety briefing
name: safety
corpus: corpus
topic: {topic}
output_dir: out
marking: "SAFETY TEST"
window: {{from: 2025-08-25, to: 2025-08-31}}
{sections}
audiences:
  analyst:
    title: Analyst edition
    sections: [operations, equipment, nations, outlook]
    tables: [operations, equipment]
    chart: operations
    coverage: true
"""
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "div",
    "header",
    "h1",
    "h2",
    "p",
    "span",
    "section",
    "ul",
    "ol",
    "li",
    "a",
    "figure",
    "img",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def passwd_markers() -> list[str]:
    """Strings only a read of /etc/passwd would put in an output."""
    markers = ["root:x:0:0", "/root:/bin/"]
    try:
        first = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return markers
    return markers + [first] if first.count(":") >= 5 else markers


def forty_nine(text: str) -> bool:
    return re.search(r"(?<![\w.])49(?![\w.])", text) is not None


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    from conftest import TOPIC

    root = tmp_path_factory.mktemp("hostile")
    write(root / "corpus" / "patrol.md", HOSTILE_MD)
    write(root / "corpus" / "roadblock.txt", HOSTILE_TXT)
    write(root / "corpus" / "feeds" / "radios.jsonl", HOSTILE_JSONL)
    config = write(root / "safety.yaml", CONFIG.format(topic=TOPIC, sections=SECTIONS_YAML))
    # a fixed generation time: a clock reading "20:49" would otherwise look like an evaluated {{ 7*7 }}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1756713600")  # 2025-09-01 08:00 UTC
        result = run_cli(
            "build",
            "--config",
            config,
            "--as-of",
            "2025-09-01",
            "--format",
            "pdf,docx,html,json",
            "--out",
            root / "out",
        )
    assert result.returncode == 0, result.stderr
    stem = root / "out" / "safety_analyst_2025-08-25_2025-08-31"
    return {fmt: stem.with_suffix(f".{fmt}") for fmt in ("pdf", "docx", "html", "json")}


@pytest.fixture(scope="module")
def data(hostile):
    return json.loads(hostile["json"].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(hostile):
    return hostile["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf(hostile):
    return pypdf.PdfReader(hostile["pdf"])


@pytest.fixture(scope="module")
def pdf_text(pdf):
    return flat("\n".join(p.extract_text() for p in pdf.pages))


@pytest.fixture(scope="module")
def docx_parts(hostile):
    with zipfile.ZipFile(hostile["docx"]) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def all_texts(data) -> list[str]:
    items = [i for s in data["sections"] for i in s["items"]] + data["key_points"]
    return (
        [i["text"] for i in items] + [i.get("note") or "" for i in items] + [s["title"] or "" for s in data["sources"]]
    )


def test_the_hostile_articles_are_really_used(data):
    """Without this, the checks below could pass on a briefing that simply dropped the articles."""
    texts = all_texts(data)
    for payload in PAYLOADS:
        assert any(payload in t for t in texts), f"{payload!r} reached no item or source title"
    paths = {s["path"] for s in data["sources"]}
    assert paths == {"patrol.md", "roadblock.txt", "feeds/radios.jsonl"}
    assert [s["url"] for s in data["sources"] if s["url"]] == [JS_URL, JS_URL]
    assert sum(1 + len(i["details"]) for s in data["sections"] for i in s["items"]) >= 6


def test_nothing_of_etc_passwd_reaches_any_output(hostile, pdf, docx_parts):
    outputs = {
        "html": hostile["html"].read_text(encoding="utf-8"),
        "json": hostile["json"].read_text(encoding="utf-8"),
        "pdf text": "\n".join(p.extract_text() for p in pdf.pages),
        "docx": "\n".join(part.decode("utf-8", "replace") for part in docx_parts.values()),
    }
    streams = []
    numbers = {n for table in pdf.xref.values() for n in table} | set(pdf.xref_objStm)
    assert len(numbers) > 20
    for number in sorted(numbers):
        obj = pdf.get_object(number)
        if hasattr(obj, "get_data"):
            streams.append(obj.get_data().decode("latin-1"))
    outputs["pdf streams"] = "\n".join(streams)
    assert not pdf.attachments
    for name, text in outputs.items():
        for marker in passwd_markers():
            assert marker not in text, f"{marker!r} in the {name}"


def test_html_has_no_tag_from_an_article(page):
    tags = re.findall(r"<\s*([a-zA-Z][\w-]*)", page)
    assert set(tags) <= ALLOWED_TAGS, set(tags) - ALLOWED_TAGS
    lowered = page.lower()
    assert "<script" not in lowered and "<iframe" not in lowered
    for tag in re.findall(r"<[^!>][^>]*>", page):
        assert "file:" not in tag and "169.254" not in tag and "javascript" not in tag.lower(), tag
        assert "style=" not in tag, tag
    # the only picture is the chart, drawn by briefgen as an SVG data: URL
    images = re.findall(r"<img\b[^>]*>", page)
    assert all(re.match(r'<img src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="', i) for i in images)
    divs = re.findall(r"<div\b[^>]*>", page)
    assert all(re.fullmatch(r'<div class="(?:marking|body)"(?: aria-label="handling marking")?>', d) for d in divs)


def test_html_shows_the_markup_as_escaped_text(page):
    for escaped in (
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;img src=",
        "&lt;iframe src=",
        "&lt;div style=",
        "{{ 7*7 }}",
    ):
        assert escaped in page
    text = html_body_text(page)
    for payload in PAYLOADS:
        assert payload in text, payload


def test_no_javascript_href_survives(page):
    assert not re.search(r"href\s*=\s*[\"']?\s*(?:&#\w+;|\s)*j\s*a\s*v\s*a", page, re.I)
    for href in re.findall(r'href="([^"]*)"', page):
        assert href.startswith(("#", "http://", "https://")), href
    # the hostile URL is shown to the editor as text, but it is not a link
    assert f'<span class="url">{JS_URL}</span>' in page


def test_template_syntax_is_not_evaluated_anywhere(page, pdf_text, docx_parts, data):
    visible = html_body_text(page)
    assert visible.count(JINJA) >= 4
    assert not forty_nine(visible)
    assert squash(JINJA) in squash(pdf_text)
    assert not forty_nine(pdf_text)
    document = docx_parts["word/document.xml"].decode("utf-8")
    words = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", document))
    assert JINJA in words
    assert not forty_nine(words)
    assert not any(forty_nine(t) for t in all_texts(data))


def test_pdf_shows_the_markup_as_text_and_fetches_nothing(pdf, pdf_text):
    squashed = squash(pdf_text)
    for payload in PAYLOADS:
        assert squash(payload) in squashed, payload
    assert JS_URL in pdf_text  # shown to the editor, as text
    for page in pdf.pages:
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            assert xobject.get_object().get("/Subtype") != "/Image", "no picture was fetched for the PDF"
    assert "/JavaScript" not in pdf.trailer["/Root"].get("/Names", {})
    assert "/OpenAction" not in pdf.trailer["/Root"]


def pdf_link_actions(pdf) -> list[dict]:
    actions = []
    for page in pdf.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None:
                actions.append(action.get_object())
    return actions


def test_pdf_has_no_javascript_action(pdf):
    actions = pdf_link_actions(pdf)
    assert all(action.get("/S") not in ("/JavaScript", "/Launch") for action in actions)
    assert not any("javascript" in str(action.get("/URI", "")).lower() for action in actions)


def test_pdf_links_only_to_web_addresses(pdf):
    uris = [str(action["/URI"]) for action in pdf_link_actions(pdf) if "/URI" in action]
    assert all(uri.startswith(("http://", "https://")) for uri in uris), uris


def test_docx_keeps_the_markup_as_text_and_links_nowhere_unsafe(docx_parts):
    document = docx_parts["word/document.xml"].decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    for name, part in docx_parts.items():
        if name.endswith((".xml", ".rels")):
            for raw in (b"<script", b"<img", b"<iframe", b"<div"):
                assert raw not in part, (name, raw)
    relationships = docx_parts["word/_rels/document.xml.rels"].decode("utf-8")
    targets = re.findall(r'Target="([^"]*)"', relationships)
    for target in targets:
        assert "javascript" not in target.lower() and "file:" not in target and "169.254" not in target, target
    assert "<w:hyperlink" not in document, "no source has a web address, so no link"


def test_hostile_items_read_the_same_in_every_format(data, page, pdf, hostile):
    import docx

    numbers = {source["id"]: n for n, source in enumerate(data["sources"], start=1)}
    pieces = []
    for section in data["sections"]:
        pieces.append(section["title"])
        for item in section["items"]:
            for said in (item, *item["details"]):
                pieces.append(
                    said.get("lead", said["text"]) + " [" + ", ".join(str(numbers[s]) for s in said["sources"]) + "]"
                )
    document = docx.Document(str(hostile["docx"]))
    for name, text in (
        ("html", html_body_text(page)),
        ("pdf", pdf_body_text([p.extract_text() for p in pdf.pages], data["marking"])),
        ("docx", "\n".join(docx_blocks(document))),
    ):
        problem = find_in_order(text, pieces)
        assert problem is None, f"{name}: {problem}"


def test_json_keeps_the_text_as_data(data, hostile):
    raw = hostile["json"].read_text(encoding="utf-8")
    assert json.loads(raw) == data
    assert any(SCRIPT in t for t in all_texts(data))
    assert any(JINJA in t for t in all_texts(data))


# --- TemplateOnlyFetcher ----------------------------------------------------------------------------------


@pytest.fixture
def template_folder(tmp_path):
    folder = tmp_path / "templates"
    write(folder / "print.css", "p { color: black }\n")
    write(folder / "my fonts" / "é x.css", "p {}\n")
    write(tmp_path / "templates-evil" / "secret.css", "SECRET\n")
    (folder / "leak.css").symlink_to("/etc/passwd")
    return folder


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file:/etc/passwd",
        "file://localhost/etc/passwd",
        "http://169.254.169.254/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/style.css",
        "ftp://example.com/x.css",
    ],
)
def test_fetcher_refuses_anything_outside_the_template_folders(template_folder, url):
    fetcher = TemplateOnlyFetcher((template_folder,))
    with pytest.raises(ValueError, match="refused to"):  # WeasyPrint treats any exception as "not fetched"
        fetcher.fetch(url)


def test_fetcher_refuses_traversal_symlinks_and_look_alike_folders(template_folder):
    fetcher = TemplateOnlyFetcher((template_folder,))
    base = template_folder.as_uri()
    for url in (
        base + "/" + "../" * 30 + "etc/passwd",
        base + "/" + "%2e%2e/" * 30 + "etc/passwd",
        (template_folder / "leak.css").as_uri(),
        (template_folder.parent / "templates-evil" / "secret.css").as_uri(),
    ):
        with pytest.raises(ValueError, match="refused to"):
            fetcher.fetch(url)


def test_fetcher_reads_files_inside_the_template_folders(template_folder):
    fetcher = TemplateOnlyFetcher((template_folder,))
    assert fetcher.fetch((template_folder / "print.css").as_uri()).read() == b"p { color: black }\n"
    assert fetcher.fetch((template_folder / "my fonts" / "é x.css").as_uri()).read() == b"p {}\n"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    shipped = TemplateOnlyFetcher((BUILTIN_TEMPLATES,))
    font = BUILTIN_TEMPLATES / "fonts" / "DejaVuSans.ttf"
    assert shipped.fetch(font.as_uri()).read() == font.read_bytes()


def test_weasyprint_with_the_fetcher_embeds_no_local_file():
    """WeasyPrint embeds <link rel=attachment> targets in the PDF: with its default fetcher that is a way to
    read local files; with briefgen's it is refused."""
    from weasyprint import HTML

    markup = (
        '<html><body><p>Attachment probe</p><link rel="attachment" href="file:///etc/passwd">'
        '<img src="file:///etc/passwd"></body></html>'
    )
    base = str(BUILTIN_TEMPLATES) + "/"
    guarded = HTML(string=markup, base_url=base, url_fetcher=TemplateOnlyFetcher((BUILTIN_TEMPLATES,))).write_pdf()
    assert not pypdf.PdfReader(io.BytesIO(guarded)).attachments
    if Path("/etc/passwd").is_file():
        unguarded = HTML(string=markup, base_url=base).write_pdf()
        assert pypdf.PdfReader(io.BytesIO(unguarded)).attachments, "the probe is real: unguarded, it leaks"
