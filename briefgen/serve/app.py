"""The editors' page: a Starlette application over one config's `Workspace`.

Every page is rendered server-side with Jinja (autoescaped: article text never becomes markup); htmx, vendored
in `static/`, swaps the edition in place after an edit, and every form also works without it. Nothing is
loaded from another site. State-changing requests carry a CSRF token; a server reachable beyond this machine
asks for an access token; downloads are named by the edition's own file names, never by a path.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from briefgen.config import BuildRequest
from briefgen.errors import BriefgenError, ConfigError
from briefgen.files import resource_path
from briefgen.render.html import briefing_values, environment
from briefgen.serve.edits import Action, Change, StaleEdits
from briefgen.serve.workspace import WindowState, Workspace, item_of
from briefgen.summarise.novelty import changes_since

TOKEN_ENV = "BRIEFGEN_SERVE_TOKEN"
USER_HEADER = "x-forwarded-user"  # set by the proxy in front, which authenticates the editors
TOKEN_COOKIE, USER_COOKIE = "briefgen_token", "briefgen_user"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
# nothing from another site, no inline script; the briefing template's own <style> and the chart's data: URL
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Settings:
    host: str
    token: str | None  # required from every request when set
    csrf: str  # this server's token for state-changing requests, in every page's forms


class Refused(BriefgenError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Pages:
    """The routes' shared parts: the workspace, the templates and the request's window."""

    def __init__(self, workspace: Workspace, settings: Settings):
        self.workspace, self.settings = workspace, settings
        config = workspace.config
        self.env = environment((*config.template_dirs, resource_path("briefgen.serve", "templates")))

    def page(self, name: str, request: Request, status: int = 200, **values: Any) -> HTMLResponse:
        state, audience = values.get("state"), values.get("audience")
        if state is not None and audience is not None:  # a page of one edition: the bar's links are to it
            values["where"] = where(state, audience)
            if state.ready:
                values["downloads"] = self.workspace.file_names(state, audience)
        html = self.env.get_template(name).render(
            csrf=self.settings.csrf,
            config=self.workspace.config,
            user=user_of(request),
            request_path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **values,
        )
        return HTMLResponse(html, status_code=status)

    async def posted(self, request: Request) -> FormData:
        """The form of a state-changing request, once its CSRF token (field `csrf`, or the X-CSRF-Token
        header) is this server's."""
        form = await request.form()
        sent = request.headers.get("x-csrf-token") or str(form.get("csrf") or "")
        if not hmac.compare_digest(sent.encode(), self.settings.csrf.encode()):
            raise Refused(
                403, "refused: the form's security token is missing or out of date; reload the page and retry"
            )
        return form

    def window_of(self, values: Any, *, retry: bool = True) -> tuple[WindowState, str]:
        """The window and audience a request names (query or form), the config's by default."""
        base = self.workspace.base
        try:
            start = date.fromisoformat(str(values.get("from") or base.window.start.isoformat()))
            end = date.fromisoformat(str(values.get("to") or base.window.end.isoformat()))
        except ValueError:
            raise ConfigError(["expected the window's dates as YYYY-MM-DD"]) from None
        if end < start:
            raise ConfigError([f"the window ends ({end}) before it starts ({start})"])
        audience = str(values.get("audience") or next(iter(self.workspace.config.audiences)))
        if audience not in self.workspace.config.audiences:
            raise ConfigError([f"no audience {audience!r} in {self.workspace.config.path}"])
        return self.workspace.window(start, end, retry=retry), audience

    def back_to_edition(self, request: Request, state: WindowState, audience: str, notice: str = "") -> Response:
        """After a change: htmx follows HX-Location; a plain form post is redirected (303) to the page. A notice
        travels signed, so that a link from elsewhere cannot make the page say what the server did not."""
        signed = {"notice": notice, "signed": self.signature(notice)} if notice else {}
        url = f"/edition?{where(state, audience, **signed)}"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Location": url})
        return RedirectResponse(url, status_code=303)

    def signature(self, notice: str) -> str:
        return hmac.new(self.settings.csrf.encode(), notice.encode(), "sha256").hexdigest()

    def notice_of(self, request: Request) -> str | None:
        notice = request.query_params.get("notice") or ""
        signed = request.query_params.get("signed") or ""
        return notice if notice and hmac.compare_digest(signed, self.signature(notice)) else None

    def choose(self, request: Request) -> Response:
        base = self.workspace.base
        runs = [r for r in self.workspace.history.runs(self.workspace.config.name) if r.status == "succeeded"]
        return self.page("choose.html", request, default=base.window, runs=list(reversed(runs[-20:])))

    def edition(self, request: Request) -> Response:
        state, audience = self.window_of(request.query_params)
        if not state.ready:
            return self.page("loading.html", request, state=state, audience=audience)
        briefing = state.editions[audience]
        edits = state.edits.current()
        return self.page(
            "edition.html",
            request,
            audience_template=self.workspace.config.audiences[audience].template,
            **briefing_values(briefing),
            cite_href=lambda source_id, item_id: f"/source/{source_id}?{where(state, audience, item=item_id or '')}",
            edits=edits,
            state=state,
            audience=audience,
            notice=self.notice_of(request),
            behind=edits.version != state.regenerated_with[audience],
        )

    def progress(self, request: Request) -> Response:
        state, audience = self.window_of(request.query_params, retry=False)
        if state.ready:
            return Response(status_code=204, headers={"HX-Refresh": "true"})
        # 286 tells htmx to stop polling: a failed read is tried again only when the editor reloads the page
        return self.page("progress.html", request, 286 if state.error else 200, state=state)

    async def edit(self, request: Request) -> Response:
        form = await self.posted(request)
        state, audience = self.window_of(form)
        try:
            action, item, text = (str(form.get(key) or "") for key in ("action", "item", "text"))
            change = Change(Action(action), item or None, text)
            based_on = int(str(form.get("version")))
        except ValueError:
            return self.page("message.html", request, 400, message="not a change the page knows")
        user = user_of(request) or f"unnamed editor at {request.client.host if request.client else 'unknown'}"
        try:
            await run_in_threadpool(state.edits.save, change, based_on, user)
        except StaleEdits as exc:
            return self.back_to_edition(request, state, audience, notice=str(exc))
        return self.back_to_edition(request, state, audience)

    async def regenerate(self, request: Request) -> Response:
        form = await self.posted(request)
        state, audience = self.window_of(form)
        await run_in_threadpool(self.workspace.regenerate, state, audience)
        return self.back_to_edition(request, state, audience, notice="regenerated with the edits as saved")

    async def read_again(self, request: Request) -> Response:
        form = await self.posted(request)
        state, audience = self.window_of(form)
        window = state.request.window
        state = self.workspace.read_again(window.start, window.end)
        return self.back_to_edition(request, state, audience)

    async def approve(self, request: Request) -> Response:
        form = await self.posted(request)
        state, audience = self.window_of(form)
        result = await run_in_threadpool(self.workspace.approve, state)
        folder = result.written[0].parent if result.written else self.workspace.base.output_dir
        message = f"approved: run {result.run_id} wrote {len(result.written)} files to {folder}"
        return self.back_to_edition(request, state, audience, notice=message)

    async def name(self, request: Request) -> Response:
        form = await self.posted(request)
        given = " ".join(str(form.get("name") or "").split())[:80]
        back = str(form.get("next") or "/")
        # only a path of this server: a crafted form must not bounce the editor to another site
        response = RedirectResponse(back if back.startswith("/") and not back.startswith("//") else "/", 303)
        response.set_cookie(USER_COOKIE, given, httponly=True, samesite="strict")
        return response

    def download(self, request: Request) -> Response:
        offered = self.workspace.download_names().get(request.path_params["name"])
        if offered is None:
            return self.page("message.html", request, 404, message="no such file in the editions open here")
        state, audience, fmt = offered
        filename, data = self.workspace.render(state, audience, fmt)
        return Response(
            data,
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def source(self, request: Request) -> Response:
        state, audience = self.window_of(request.query_params)
        if not state.ready:
            return RedirectResponse(f"/edition?{where(state, audience)}", 303)
        briefing = state.editions[audience]
        item_id = request.query_params.get("item") or None
        passage = self.workspace.passage(state, briefing, request.path_params["source_id"], item_id)
        if passage is None:
            return self.page("message.html", request, 404, message="no such source in this edition")
        item = item_of(briefing, item_id) if item_id else None
        return self.page("source.html", request, passage=passage, item=item, state=state, audience=audience)

    def sources(self, request: Request) -> Response:
        state, audience = self.window_of(request.query_params)
        if not state.ready or state.extracted is None:
            return RedirectResponse(f"/edition?{where(state, audience)}", 303)
        return self.page("sources.html", request, extracted=state.extracted, state=state, audience=audience)

    def changes(self, request: Request) -> Response:
        state, audience = self.window_of(request.query_params)
        if not state.ready:
            return RedirectResponse(f"/edition?{where(state, audience)}", 303)
        briefing = state.editions[audience]
        found = changes_since(briefing, self.workspace.previous(state, audience))
        log = self.workspace.history.edit_log(self.workspace.config.name, str(state.edits.path))
        return self.page(
            "changes.html",
            request,
            changes=found,
            log=log,
            state=state,
            audience=audience,
        )

    async def login(self, request: Request) -> Response:
        token = self.settings.token
        if request.method == "GET" or token is None:
            return self.page("login.html", request)
        given = str((await request.form()).get("token") or "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return self.page("login.html", request, 401, failed=True)
        response = RedirectResponse("/", 303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    def routes(self) -> list[Route | Mount]:
        return [
            Route("/", self.choose),
            Route("/edition", self.edition),
            Route("/progress", self.progress),
            Route("/edit", self.edit, methods=["POST"]),
            Route("/regenerate", self.regenerate, methods=["POST"]),
            Route("/approve", self.approve, methods=["POST"]),
            Route("/read-again", self.read_again, methods=["POST"]),
            Route("/name", self.name, methods=["POST"]),
            Route("/download/{name}", self.download),
            Route("/source/{source_id}", self.source),
            Route("/sources", self.sources),
            Route("/changes", self.changes),
            Route("/login", self.login, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=resource_path("briefgen.serve", "static")), name="static"),
            # print.css names its fonts relative to the page: the edition's fonts, served as the files have them
            Mount("/fonts", StaticFiles(directory=resource_path("briefgen", "templates", "fonts")), name="fonts"),
        ]


def user_of(request: Request) -> str:
    """Who made a change: the proxy's header, else the name the editor gave the page."""
    return request.headers.get(USER_HEADER) or request.cookies.get(USER_COOKIE) or ""


def where(state: WindowState, audience: str, **more: str) -> str:
    window = state.request.window
    return urlencode({"from": window.start.isoformat(), "to": window.end.isoformat(), "audience": audience, **more})


class Guard(BaseHTTPMiddleware):
    """Before any route: the access token, when the server has one; after: the security headers. (The CSRF
    token is checked where each form is read, `Pages.posted`: a middleware that read the body would leave
    none for the route.)"""

    def __init__(self, app: Any, pages: Pages):
        super().__init__(app)
        self.pages, self.settings = pages, pages.settings

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = self._refused(request) or await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def _refused(self, request: Request) -> Response | None:
        token = self.settings.token
        if token is not None and request.url.path != "/login":
            # a proxy's own scheme (Basic) in the Authorization header is not ours: the sign-in cookie still counts
            header = request.headers.get("authorization", "")
            given = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
            given = given or request.cookies.get(TOKEN_COOKIE, "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return RedirectResponse("/login", 303) if request.method == "GET" else Response(status_code=401)
        return None


def create_app(workspace: Workspace, settings: Settings) -> Starlette:
    pages = Pages(workspace, settings)
    middleware = [Middleware(Guard, pages=pages)]
    if is_loopback(settings.host):
        # a page of another site cannot reach this server through a name of its own (DNS rebinding)
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_HOSTS))

    async def refusal(request: Request, exc: Exception) -> Response:
        """A BriefgenError as a page with its one-line message."""
        status = exc.status if isinstance(exc, Refused) else 400
        return pages.page("message.html", request, status, message=str(exc))

    return Starlette(routes=pages.routes(), middleware=middleware, exception_handlers={BriefgenError: refusal})


def serve(base: BuildRequest, *, host: str, port: int) -> int:
    """`briefgen serve`: the page for `base`'s config, its window offered first; refuses to listen beyond this
    machine without an access token."""
    token = os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and token is None:
        raise ConfigError(
            [
                f"--host {host}: set {TOKEN_ENV} to an access token before serving beyond this machine (and put the "
                "server behind a TLS proxy)"
            ]
        )
    workspace = Workspace(base)
    config = base.config.path
    settings = Settings(host, token, secrets.token_urlsafe(32))
    logging.getLogger("briefgen").info("serving %s on http://%s:%d/", config, host, port)
    print(f"briefgen: editors' page for {config} on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run(create_app(workspace, settings), host=host, port=port, log_level="warning", server_header=False)
    return 0
