"""An organisation's own templates: a user template folder whose template extends the built-in one, an
audience defined only in the config that uses it, a missing template reported as one clear line, and a user
reference DOCX whose house style the Word edition takes."""

from __future__ import annotations

import json
import re

import docx
import pypdf
import pytest
from conftest import BUILTIN_TEMPLATES, files_under, flat, run_cli, squash, write, write_corpus

OVERRIDE = "PRESS DESK LINES: cleared for public release"
PRESS_TEMPLATE = (
    """\
{% extends "briefing.html" %}
{% block key_points %}
<section class="press-lines" id="press-lines">
  <h2>Press lines</h2>
  <p>"""
    + OVERRIDE
    + """</p>
</section>
{% endblock %}
"""
)
MARKING = "PRESS // TEST"


def press_config(*, template: str = "press.html", extra: str = "") -> str:
    from conftest import SECTIONS_YAML, TOPIC

    return f"""\
title: Desk briefing
name: deskbrief
corpus: corpus
topic: {TOPIC}
output_dir: out
templates_dir: my-templates
marking: "{MARKING}"
window: {{from: 2025-08-25, to: 2025-08-31}}
{SECTIONS_YAML}
audiences:
  press:
    title: Press edition
    sections: [operations, outlook]
    template: {template}
{extra}"""


@pytest.fixture(scope="module")
def press(tmp_path_factory):
    root = tmp_path_factory.mktemp("press")
    write_corpus(root / "corpus")
    write(root / "my-templates" / "press.html", PRESS_TEMPLATE)
    config = write(root / "desk.yaml", press_config())
    result = run_cli(
        "build", "--config", config, "--as-of", "2025-09-01", "--format", "html,pdf,json", "--out", root / "out"
    )
    assert result.returncode == 0, result.stderr
    stem = root / "out" / "deskbrief_press_2025-08-25_2025-08-31"
    return {
        "root": root,
        "html": stem.with_suffix(".html").read_text(encoding="utf-8"),
        "pdf": pypdf.PdfReader(stem.with_suffix(".pdf")),
        "data": json.loads(stem.with_suffix(".json").read_text(encoding="utf-8")),
    }


def test_user_template_overrides_the_key_points_block_in_html(press):
    page = press["html"]
    assert press["data"]["key_points"], "the built-in block would have shown key points"
    assert OVERRIDE in page
    assert 'id="press-lines"' in page
    assert "Key points" not in page
    assert 'class="key-points"' not in page
    # the rest of briefing.html is inherited: title block, the audience's sections, sources
    assert '<header class="title-block">' in page and "Press edition" in page
    assert re.findall(r'<section class="section" id="([a-z]+)">', page) == ["operations", "outlook"]
    assert '<section class="sources" id="sources">' in page
    for item in (i for s in press["data"]["sections"] for i in s["items"]):
        assert item["id"] in page


def test_user_template_overrides_the_key_points_block_in_pdf(press):
    reader = press["pdf"]
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert OVERRIDE in text
    assert "Key points" not in text
    lines = [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]
    assert "Operations" in lines and "Outlook" in lines
    assert "Equipment deliveries" not in lines and "Contributing nations" not in lines
    assert all(squash(MARKING) in squash(page.extract_text()) for page in reader.pages)


def test_the_press_audience_has_only_its_sections(press):
    assert [s["id"] for s in press["data"]["sections"]] == ["operations", "outlook"]
    assert press["data"]["audience"] == "press"


def test_a_missing_template_is_one_clear_line_and_exit_4(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "my-templates" / "press.html", PRESS_TEMPLATE)
    config = write(tmp_path / "desk.yaml", press_config(template="no-such-template.html"))
    for command in (["build", "--out", tmp_path / "out"], ["check"]):
        result = run_cli(command[0], "--config", config, "--as-of", "2025-09-01", *command[1:])
        assert result.returncode == 1, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "no-such-template.html" in lines[0]
        assert str(tmp_path / "my-templates") in lines[0]
        assert str(BUILTIN_TEMPLATES) in lines[0]
        assert "Traceback" not in result.stderr
    assert files_under(tmp_path / "out") == []


def test_check_reports_a_template_whose_parent_is_missing(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(
        tmp_path / "my-templates" / "orphan.html",
        '{% extends "no-such-base.html" %}\n{% block key_points %}x{% endblock %}\n',
    )
    config = write(tmp_path / "desk.yaml", press_config(template="orphan.html"))
    built = run_cli("build", "--config", config, "--as-of", "2025-09-01", "--format", "html", "--out", tmp_path / "out")
    assert built.returncode == 1 and "no-such-base.html" in built.stderr  # build does notice
    checked = run_cli("check", "--config", config, "--as-of", "2025-09-01")
    assert checked.returncode == 1, checked.stdout
    assert "no-such-base.html" in checked.stderr


def test_shipped_fonts_are_used_with_a_user_template_folder(press):
    names = set()
    for page in press["pdf"].pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    assert names
    assert all("Brief-" in name for name in names), names


# --- a user reference DOCX ------------------------------------------------------------------------------------

ACME_HEADER = "ACME DESK"
ACME_FONT = "Courier New"


def acme_reference(path):
    document = docx.Document()
    document.styles["Normal"].font.name = ACME_FONT
    document.sections[0].header.paragraphs[0].text = ACME_HEADER
    document.add_paragraph("ACME body text that the briefing replaces")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def acme_docx(tmp_path_factory):
    root = tmp_path_factory.mktemp("acme")
    write_corpus(root / "corpus")
    write(root / "my-templates" / "press.html", PRESS_TEMPLATE)
    acme_reference(root / "my-templates" / "acme-reference.docx")
    config = write(root / "desk.yaml", press_config(extra="docx_reference: acme-reference.docx\n"))
    result = run_cli("build", "--config", config, "--as-of", "2025-09-01", "--format", "docx", "--out", root / "out")
    assert result.returncode == 0, result.stderr
    return docx.Document(str(root / "out" / "deskbrief_press_2025-08-25_2025-08-31.docx"))


def test_user_reference_docx_sets_the_normal_font(acme_docx):
    assert docx.Document(str(BUILTIN_TEMPLATES / "reference.docx")).styles["Normal"].font.name != ACME_FONT
    assert acme_docx.styles["Normal"].font.name == ACME_FONT


def test_user_reference_docx_keeps_its_header_and_adds_the_marking(acme_docx):
    section = acme_docx.sections[0]
    header = [p.text for p in section.header.paragraphs]
    assert ACME_HEADER in header
    assert MARKING in header
    assert MARKING in "\n".join(p.text for p in section.footer.paragraphs)


def test_user_reference_docx_body_is_replaced_by_the_briefing(acme_docx):
    texts = [p.text for p in acme_docx.paragraphs]
    assert not any("ACME body text" in t for t in texts)
    assert texts[0] == "Desk briefing"
    assert [p.text for p in acme_docx.paragraphs if p.style.name == "Heading 1"][-3:] == [
        "Operations",
        "Outlook",
        "Sources",
    ]


def test_a_missing_reference_docx_is_a_clear_error(tmp_path):
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "my-templates" / "press.html", PRESS_TEMPLATE)
    config = write(tmp_path / "desk.yaml", press_config(extra="docx_reference: no-such-reference.docx\n"))
    result = run_cli(
        "build", "--config", config, "--as-of", "2025-09-01", "--format", "docx", "--out", tmp_path / "out"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-reference.docx" in lines[0]
    assert files_under(tmp_path / "out") == []


def test_marking_is_on_the_first_page_of_a_reference_with_a_title_page(sample_editions, tmp_path):
    import io

    from briefgen.models import RenderOptions
    from briefgen.render.docx import render_docx

    reference = docx.Document()
    section = reference.sections[0]
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = ACME_HEADER
    section.first_page_header.paragraphs[0].text = "ACME COVER"
    section.first_page_footer.paragraphs[0].text = "ACME COVER FOOTER"
    reference.save(str(tmp_path / "cover.docx"))
    briefing = sample_editions["executive"].briefing
    options = RenderOptions((tmp_path, BUILTIN_TEMPLATES), docx_reference="cover.docx")
    output = docx.Document(io.BytesIO(render_docx(briefing, options)))
    section = output.sections[0]
    assert section.different_first_page_header_footer, "the house layout is kept"
    assert "ACME COVER" in [p.text for p in section.first_page_header.paragraphs]
    assert briefing.marking in [p.text for p in section.header.paragraphs]
    assert briefing.marking in "\n".join(p.text for p in section.first_page_header.paragraphs)
    assert briefing.marking in "\n".join(p.text for p in section.first_page_footer.paragraphs)


def test_a_reference_docx_without_list_styles_is_handled(tmp_path):
    reference = docx.Document()
    for name in ("Title", "Subtitle", "List Bullet", "List Number"):
        reference.styles.element.remove(reference.styles[name].element)
    write_corpus(tmp_path / "corpus")
    write(tmp_path / "my-templates" / "press.html", PRESS_TEMPLATE)
    reference.save(str(tmp_path / "my-templates" / "plain-house.docx"))
    config = write(tmp_path / "desk.yaml", press_config(extra="docx_reference: plain-house.docx\n"))
    result = run_cli(
        "build", "--config", config, "--as-of", "2025-09-01", "--format", "docx", "--out", tmp_path / "out"
    )
    assert "Traceback" not in result.stderr, result.stderr[-300:]
    if result.returncode == 0:
        built = docx.Document(str(tmp_path / "out" / "deskbrief_press_2025-08-25_2025-08-31.docx"))
        assert built.paragraphs[0].text == "Desk briefing"
    else:
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "plain-house.docx" in lines[0]
