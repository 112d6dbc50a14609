"""`briefgen serve` as a real process on a free port, and plain HTTP to it (no redirect followed unless asked)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT, cli_env

SAMPLE_WINDOW = {"from": "2025-08-25", "to": "2025-08-31"}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: PLR0913 - urllib's signature
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """The sample config served from `out` (its output, edits, history and cache folder)."""

    def __init__(
        self,
        out: Path,
        *args: str,
        corpus: Path = ROOT / "samples" / "corpus",
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
    ):
        self.out, self.host, self.port = out, host, free_port()
        command = [sys.executable, "-m", "briefgen", "serve", "--config", "config/weekly.yaml"]
        command += ["--corpus", str(corpus), "--out", str(out), "--as-of", "2025-09-01"]
        command += ["--host", host, "--port", str(self.port), *args]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(env)
        )
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def started(self, timeout: float = 60, headers: dict[str, str] | None = None) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited {self.process.returncode}: {self.process.stderr.read()}")
            try:
                self.get("/", headers=headers)
                return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError("server did not answer in time")

    def request(
        self, method: str, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self._opener.open(request, timeout=120) as response:
                return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        body = urllib.parse.urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        )

    def edition(self, window: dict[str, str] = SAMPLE_WINDOW, audience: str = "analyst", timeout: float = 120) -> str:
        """The edition page, once the window has been read."""
        query = urllib.parse.urlencode({**window, "audience": audience})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page = self.get(f"/edition?{query}").text
            if 'id="edition"' in page:
                return page
            assert "Could not read the window" not in page, page
            time.sleep(0.3)
        raise AssertionError("the window was not read in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()


def form_values(page: str, name: str) -> str:
    """The value of the page's first hidden input `name` (csrf, version)."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


def item_ids(page: str, section: str = "operations") -> list[str]:
    """The ids of a section's items, in page order."""
    part = page.split(f'<section class="section" id="{section}">', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li id="([^"]+)">', part)
