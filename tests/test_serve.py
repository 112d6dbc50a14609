"""`briefgen serve` over HTTP, as a real server process: CSRF, downloads, stale saves, the edit log, the access
token and the Host check, and article text escaped. The browser drives the page in test_serve_browser.py."""

from __future__ import annotations

import re
import shutil
import sqlite3
import urllib.parse

import pytest
import yaml
from conftest import ROOT, SEEDS, run_cli, write
from serving import SAMPLE_WINDOW, Server, form_values, item_ids

SHARED = SEEDS.parent
EDITS = "edits/haiti-mss-weekly_2025-08-25_2025-08-31.yaml"
PDF_NAME = "haiti-mss-weekly_analyst_2025-08-25_2025-08-31.pdf"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serve") / "out").started()
    running.edition()  # read once for every test here
    yield running
    running.stop()


def change(page: str, action: str, item: str, **more: str) -> dict[str, str]:
    return {
        **SAMPLE_WINDOW,
        "audience": "analyst",
        "csrf": form_values(page, "csrf"),
        "version": form_values(page, "version"),
        "action": action,
        "item": item,
        **more,
    }


def edits_on_disk(server: Server) -> dict:
    return yaml.safe_load((server.out / EDITS).read_text(encoding="utf-8"))


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(server):
    page = server.edition()
    item = item_ids(page)[0]
    before = (server.out / EDITS).read_bytes() if (server.out / EDITS).exists() else None
    missing = {k: v for k, v in change(page, "pin", item).items() if k != "csrf"}
    for fields in (missing, {**missing, "csrf": "forged"}):
        reply = server.post("/edit", fields)
        assert reply.status == 403
        assert "security token" in reply.text
    for path in ("/regenerate", "/approve"):
        assert server.post(path, {**SAMPLE_WINDOW, "audience": "analyst"}).status == 403
    after = (server.out / EDITS).read_bytes() if (server.out / EDITS).exists() else None
    assert after == before
    assert not (server.out / "haiti-mss-weekly").exists()  # no approval went through


def test_a_save_records_the_change_the_version_and_who_made_it(server):
    page = server.edition()
    item = item_ids(page)[1]
    version = int(form_values(page, "version"))
    reply = server.post("/edit", change(page, "pin", item), headers={"X-Forwarded-User": "alice"})
    assert reply.status == 303
    assert reply.headers["location"].startswith("/edition?")
    saved = edits_on_disk(server)
    assert saved["version"] == version + 1 and item in saved["pin"]
    with sqlite3.connect(server.out / "history.sqlite") as db:
        rows = db.execute("SELECT user, action, item_id, version FROM edits ORDER BY id").fetchall()
    assert rows[-1] == ("alice", "pin", item, version + 1)


def test_a_save_based_on_an_old_version_is_refused_with_a_message(server):
    page = server.edition()
    first, second = item_ids(page)[:2]
    assert server.post("/edit", change(page, "drop", first)).status == 303
    saved = edits_on_disk(server)
    stale = server.post("/edit", change(page, "reword", second, text="Someone else's wording."))  # same old page
    assert stale.status == 303
    notice = urllib.parse.parse_qs(urllib.parse.urlsplit(stale.headers["location"]).query)["notice"][0]
    assert "changed by someone else" in notice and f"version {saved['version']}" in notice
    assert edits_on_disk(server) == saved  # the stale rewording went nowhere
    reloaded = server.get(stale.headers["location"]).text
    assert "changed by someone else" in reloaded
    assert f'name="version" value="{saved["version"]}"' in reloaded  # the page shows the current state


def test_downloads_serve_only_the_editions_own_files(server):
    server.edition()
    pdf = server.get(f"/download/{PDF_NAME}")
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == f'attachment; filename="{PDF_NAME}"'
    for path in (
        "/download/..%2F..%2Fconfig%2Fweekly.yaml",
        "/download/%2Fetc%2Fpasswd",
        "/download/history.sqlite",
        "/download/..",
        f"/download/{PDF_NAME}%00.txt",
        "/download/haiti-mss-weekly_analyst_2025-08-25_2025-08-31.yaml",
        "/static/..%2F..%2F..%2Fpyproject.toml",
        "/fonts/..%2Freference.docx",
    ):
        reply = server.get(path)
        assert reply.status == 404, path
        assert b"[project]" not in reply.body


def test_every_page_carries_the_security_headers_and_refuses_a_foreign_host(server):
    reply = server.get("/")
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert '<script src="/static/htmx.min.js">' in reply.text
    # a page of another site reaching this server through its own name (DNS rebinding)
    assert server.get("/", headers={"Host": "attacker.example"}).status == 400


def test_the_sources_page_lists_every_document_with_its_verdict(server):
    server.edition()
    page = server.get("/sources?" + urllib.parse.urlencode({**SAMPLE_WINDOW, "audience": "analyst"})).text
    assert page.count('<tr class="verdict-') == 12
    assert "off-topic" in page and "out of window" in page


def test_beyond_loopback_the_server_needs_a_token(tmp_path):
    refused = run_cli(
        "serve", "--config", "config/weekly.yaml", "--out", tmp_path / "out", "--host", "0.0.0.0", "--port", "9"
    )
    assert refused.returncode == 2  # a configuration problem, as for every command
    assert refused.stderr.count("\n") == 1 and "BRIEFGEN_SERVE_TOKEN" in refused.stderr
    assert "Traceback" not in refused.stderr

    token = "s3cret-token"
    guarded = Server(tmp_path / "out", host="0.0.0.0", env={"BRIEFGEN_SERVE_TOKEN": token})
    try:
        guarded.started(headers={"Authorization": f"Bearer {token}"})
        assert guarded.get("/").status == 303  # to the sign-in page
        assert guarded.get("/").headers["location"] == "/login"
        assert guarded.get("/", headers={"Authorization": "Bearer wrong"}).status == 303
        assert guarded.get("/", headers={"Authorization": f"Bearer {token}"}).status == 200
        assert guarded.post("/login", {"token": "wrong"}).status == 401
        signed_in = guarded.post("/login", {"token": token})
        assert signed_in.status == 303 and "httponly" in signed_in.headers["set-cookie"].lower()
        cookie = signed_in.headers["set-cookie"].split(";")[0]
        assert guarded.get("/", headers={"Cookie": cookie}).status == 200
    finally:
        guarded.stop()


HOSTILE = """\
---
title: "<script>alert('title')</script> MSS patrol"
date: 2025-08-27
url: "javascript:alert(1)"
---
Kenyan MSS officers patrolled Delmas on Wednesday <img src=x onerror=alert(1)> and arrested four gang members.

The Haitian National Police said the joint patrol <script>alert('body')</script> would continue in Port-au-Prince.
"""


def test_article_text_is_escaped_on_every_page(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "hostile.md", HOSTILE)
    hostile = Server(tmp_path / "out", corpus=corpus).started()
    try:
        edition = hostile.edition()
        query = urllib.parse.urlencode({**SAMPLE_WINDOW, "audience": "analyst"})
        cited = [part.split('"')[0] for part in edition.split('href="/source/')[1:]]
        assert cited, "the hostile article is cited"
        pages = [edition, hostile.get(f"/sources?{query}").text, hostile.get(f"/source/{cited[0]}").text]
        for page in pages:
            assert "<script>alert" not in page and "<img src=x" not in page
            assert 'href="javascript:' not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2] or "&lt;script&gt;" in pages[2]
    finally:
        hostile.stop()


def test_the_readme_documents_the_server():
    manual = (ROOT / "README.md").read_text(encoding="utf-8")
    for needed in ("briefgen serve", "BRIEFGEN_SERVE_TOKEN", "X-Forwarded-User", "systemd", "CSRF"):
        assert needed in manual, needed


def test_read_again_takes_in_articles_that_came_in_since(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "samples" / "corpus", corpus)
    live = Server(tmp_path / "out", corpus=corpus).started()
    try:
        page = live.edition()
        query = urllib.parse.urlencode({**SAMPLE_WINDOW, "audience": "analyst"})
        assert "late-arrival.md" not in live.get(f"/sources?{query}").text
        write(corpus / "late-arrival.md", LATE_ARRIVAL)
        fields = {**SAMPLE_WINDOW, "audience": "analyst", "csrf": form_values(page, "csrf")}
        assert live.post("/read-again", fields).status == 303
        live.edition()
        listed = live.get(f"/sources?{query}").text
        assert re.search(r'<tr class="verdict-used">\s*<td><span class="path">late-arrival.md</span>', listed)
    finally:
        live.stop()


LATE_ARRIVAL = """\
---
title: Belize sends soldiers
date: 2025-08-30
---
A contingent of 40 Belizean soldiers arrived in Port-au-Prince on Saturday to join the Multinational Security
Support mission in Haiti, the mission said.
"""


def test_the_first_read_of_a_window_reports_its_progress(tmp_path):
    corpus = tmp_path / "corpus"
    for dev_set in sorted((SHARED / "eval" / "dev").glob("*/corpus")):
        shutil.copytree(dev_set, corpus / dev_set.parent.name)
    reading = Server(tmp_path / "out", "--no-cache", corpus=corpus).started()
    try:
        query = urllib.parse.urlencode({"from": "2024-01-01", "to": "2025-12-31", "audience": "analyst"})
        assert "Reading" in reading.get(f"/edition?{query}").text
        seen = set()
        while (reply := reading.get(f"/progress?{query}")).status == 200:
            seen |= set(
                re.findall(r"(Reading documents|Extracting from the documents in the window): \d+ of \d+", reply.text)
            )
        assert reply.status == 204 and reply.headers["hx-refresh"] == "true"  # done: the page reloads as the edition
        assert "Reading documents" in seen or "Extracting from the documents in the window" in seen
        assert 'id="edition"' in reading.edition({"from": "2024-01-01", "to": "2025-12-31"})
    finally:
        reading.stop()


def test_a_notice_shows_only_when_the_server_wrote_it(server):
    server.edition()
    query = urllib.parse.urlencode({**SAMPLE_WINDOW, "audience": "analyst"})
    forged = "Your session expired: sign in again at https://attacker.example"
    for extra in ({"notice": forged}, {"notice": forged, "signed": "0" * 64}):
        page = server.get(f"/edition?{query}&{urllib.parse.urlencode(extra)}").text
        assert "Your session expired" not in page  # (the page's own links carry the query, encoded)
