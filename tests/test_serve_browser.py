"""The editors' page in a real browser: Playwright driving Debian's Chromium against `briefgen serve`.

Each test opens its own window of the sample week (a start a few days earlier reads the same articles), so
that its edits file and editions are its own.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import sqlite3
import urllib.parse

import pytest
import yaml
from conftest import run_cli, squash
from serving import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SLOW = 120_000  # ms: the first read of a window


def window(start_day: int) -> dict[str, str]:
    return {"from": f"2025-08-{start_day:02d}", "to": "2025-08-31"}


def edition_url(server: Server, days: dict[str, str], audience: str = "analyst") -> str:
    return f"{server.base}/edition?{urllib.parse.urlencode({**days, 'audience': audience})}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serve-browser") / "out").started()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 1000})
    opened = context.new_page()
    yield opened
    context.close()


def open_edition(page, server: Server, days: dict[str, str], audience: str = "analyst"):
    page.goto(edition_url(server, days, audience))
    page.wait_for_selector("#edition", timeout=SLOW)
    return page


def operations_ids(page) -> list[str]:
    return page.eval_on_selector_all("#operations > ul.items > li", "items => items.map(i => i.id)")


def edits_file(server: Server, days: dict[str, str]) -> dict:
    path = server.out / "edits" / f"haiti-mss-weekly_{days['from']}_{days['to']}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def item(page, item_id: str):
    return page.locator(f"li[id='{item_id}']")


# Every item, detail and line of text in an edition's lists, by its id or text, whose box reaches past the right
# edge of the column (print.css: the body's content box): the page's own styles, not a test's, decide it
BEYOND_THE_COLUMN = """() => {
    const column = document.querySelector("ul.items").closest("section, body").getBoundingClientRect().right;
    const beyond = [];
    for (const element of document.querySelectorAll("ul.items li, ul.items .text")) {
        const range = document.createRange();
        range.selectNodeContents(element);
        const right = Math.max(element.getBoundingClientRect().right, range.getBoundingClientRect().right);
        if (right > column + 0.5) beyond.push(element.id || element.textContent.slice(0, 60));
    }
    return beyond;
}"""


def beyond_the_column(page) -> list[str]:
    return page.evaluate(BEYOND_THE_COLUMN)


@pytest.mark.parametrize("audience", ["analyst", "executive"])
def test_the_edition_s_items_and_details_stay_inside_its_column(browser, sample_editions, audience):
    """The HTML edition, styled by the print.css the PDF is typeset from: an item is a table row there, and a
    rule for it that reached the details' items made them overflow the column by their indent."""
    page = browser.new_page(viewport={"width": 1000, "height": 1000})
    page.goto(sample_editions[audience].paths["html"].as_uri())
    assert page.locator("ul.items li").count() > 0
    assert beyond_the_column(page) == []
    page.close()


def test_choosing_a_window_shows_progress_then_the_edition(server, page):
    page.goto(server.base + "/")
    assert page.input_value("input[name=from]") == "2025-08-25"  # the config's previous week as of 1 September
    assert page.input_value("input[name=to]") == "2025-08-31"
    page.fill("input[name=from]", "2025-08-24")
    page.check("input[name=audience][value=executive]")
    page.click("form.choose button[type=submit]")
    # the first read of a window shows its progress, then the page turns into the edition
    page.wait_for_selector("#progress, #edition", timeout=SLOW)
    page.wait_for_selector("#edition", timeout=SLOW)
    assert "audience=executive" in page.url
    assert page.locator("h1").first.inner_text() == "Haiti MSS weekly briefing"
    assert page.locator("li .controls button.pin").count() > 0


def test_pin_drop_reword_regenerate_and_download(server, page, tmp_path):
    days = window(23)
    open_edition(page, server, days)
    ids = operations_ids(page)
    assert len(ids) >= 3
    dropped, reworded, pinned = ids[0], ids[1], ids[-1]
    dropped_text = item(page, dropped).locator(".body > .text").inner_text()

    item(page, dropped).locator("button.drop").click()
    page.wait_for_selector(f"li[id='{dropped}'] .controls.dropped")
    # still there until the editor regenerates, struck through
    assert item(page, dropped).is_visible()
    struck = item(page, dropped).locator(".body").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in struck

    item(page, pinned).locator("button.pin").click()
    page.wait_for_selector(f"li[id='{pinned}'] .controls.pinned")
    assert beyond_the_column(page) == []  # a pinned item's bar and padding take room from within

    wording = "Joint MSS and police units retook a station near Kenscoff, officials said."
    item(page, reworded).locator("details.reword summary").click()
    item(page, reworded).locator("details.reword textarea").fill(wording)
    item(page, reworded).locator("button.save-wording").click()
    page.wait_for_selector(f"li[id='{reworded}'] ins.reworded")
    assert item(page, reworded).locator("ins.reworded").inner_text() == wording

    note = "Figures from the mission are not independently confirmed."
    page.click("details.note-form summary")
    page.fill("details.note-form textarea", note)
    page.click("details.note-form button")
    page.wait_for_selector("#editor-note")

    saved = edits_file(server, days)
    assert saved["version"] == 4 and saved["note"] == note
    assert saved["drop"] == [dropped] and saved["pin"] == [pinned] and saved["replace"] == {reworded: wording}
    assert page.locator(".notice.pending").count() == 1  # saved, not yet applied

    page.click("button.regenerate")
    page.wait_for_selector(".notice >> text=regenerated")
    after = operations_ids(page)
    assert dropped not in after
    assert after[0] == pinned  # a pinned item leads its section
    assert item(page, reworded).locator(".body > .text").inner_text() == wording
    assert item(page, reworded).locator(".body > .cites a").count() >= 1  # the citations stay
    assert page.locator(".notice.pending").count() == 0

    with page.expect_download() as download:
        page.click("a.download-pdf")
    pdf_path = tmp_path / download.value.suggested_filename
    download.value.save_as(pdf_path)
    assert pdf_path.name == "haiti-mss-weekly_analyst_2025-08-23_2025-08-31.pdf"
    from pypdf import PdfReader

    text = squash(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages))
    assert squash(wording) in text
    assert squash(dropped_text) not in text
    assert squash(note) in text


def test_a_citation_opens_its_source_with_the_evidence_highlighted(server, page):
    days = window(22)
    open_edition(page, server, days)
    first = operations_ids(page)[0]
    lead = item(page, first).locator(".body > .text").inner_text()
    item(page, first).locator(".body > .cites a").first.click()
    page.wait_for_selector("article.document")
    assert "/source/" in page.url
    marks = page.locator("mark.evidence")
    assert marks.count() >= 1
    highlighted = marks.first.inner_text()
    assert len(highlighted) > 20 and highlighted in page.locator("article.document").inner_text()
    assert page.locator(".cited-for q").inner_text() == lead


def test_a_stale_save_is_refused_and_the_page_shows_the_current_state(server, browser):
    days = window(21)
    first, second = (browser.new_context().new_page() for _ in range(2))
    try:
        open_edition(first, server, days)
        open_edition(second, server, days)
        ids = operations_ids(first)
        item(first, ids[0]).locator("button.pin").click()
        first.wait_for_selector(f"li[id='{ids[0]}'] .controls.pinned")

        item(second, ids[1]).locator("button.drop").click()  # from a page still at version 0
        second.wait_for_selector(".notice >> text=changed by someone else")
        assert second.locator(f"li[id='{ids[0]}'] .controls.pinned").count() == 1  # the other editor's pin
        assert second.locator(f"li[id='{ids[1]}'] .controls.dropped").count() == 0
        saved = edits_file(server, days)
        assert saved["version"] == 1 and saved["pin"] == [ids[0]] and saved["drop"] == []
    finally:
        first.context.close()
        second.context.close()


def test_approve_writes_the_edition_and_a_later_window_shows_the_changes(server, page):
    days = window(20)
    open_edition(page, server, days)
    page.fill("input[name=name]", "Grace Editor")
    page.click(".editor-name button")
    page.wait_for_selector("#edition")
    ids = operations_ids(page)
    item(page, ids[0]).locator("button.drop").click()
    page.wait_for_selector(f"li[id='{ids[0]}'] .controls.dropped")

    page.click("button.approve")
    page.wait_for_selector(".notice >> text=approved", timeout=SLOW)
    notice = page.locator(".notice").first.inner_text()
    run_id = int(re.search(r"run (\d+)", notice).group(1))
    folder = server.out / "haiti-mss-weekly" / "2025-08-20_2025-08-31"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == run_id
    analyst = json.loads((folder / "analyst.json").read_text(encoding="utf-8"))
    approved_ids = {i["id"] for s in analyst["sections"] for i in s["items"]}
    assert ids[0] not in approved_ids  # the edits as saved went into the approved edition
    with sqlite3.connect(server.out / "history.sqlite") as db:
        assert db.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone() == ("succeeded",)
        logged = db.execute("SELECT user, action, item_id FROM edits WHERE edits_file LIKE '%2025-08-20_2025-08-31%'")
        assert logged.fetchall() == [("Grace Editor", "drop", ids[0])]

    page.goto(server.base + "/")  # the approved run is offered among the past runs
    page.click(f"table.runs tr:has(td:text-is('{run_id}')) a:text-is('analyst')")
    page.wait_for_selector("#edition", timeout=SLOW)
    assert "from=2025-08-20" in page.url and "to=2025-08-31" in page.url

    later = window(25)
    open_edition(page, server, later)
    page.click("nav.editor-bar >> text=Changes since the last edition")
    page.wait_for_selector("h1 >> text=Changes since the last edition")
    assert f"Compared with run {run_id}" in page.inner_text("main")
    new_items = page.locator("ul.new-items li:not(.none)").count()
    page.go_back()
    page.wait_for_selector("#edition")
    assert page.locator("#edition section.section li .new").count() == new_items


def test_the_sources_page_says_what_briefgen_sources_says(server, page):
    days = window(19)
    open_edition(page, server, days)
    page.click("nav.editor-bar >> text=Sources")
    page.wait_for_selector("table.sources-table")
    rows = page.eval_on_selector_all(
        "table.sources-table tbody tr", "rows => rows.map(r => [r.querySelector('.path').textContent, r.className])"
    )
    listed = run_cli(
        "sources", "--config", "config/weekly.yaml", "--from", days["from"], "--to", days["to"], "--as-of", "2025-09-01"
    )
    assert listed.returncode == 0
    used = {
        path if item == "-" else f"{path}#{item}"
        for path, item, *_ in (line.split() for line in listed.stdout.splitlines()[2:] if "  in: " in line)
    }
    assert len(rows) == len(listed.stdout.splitlines()) - 2 == 12
    assert {path for path, verdict in rows if verdict == "verdict-used"} == used
    assert 0 < len(used) < 12  # some left out, with the reason shown
    assert page.locator("tr:not(.verdict-used) td:last-child").first.inner_text()
