"""`lgsco-letters serve`: a live preview that follows template and data edits as they are saved.

A thread watches the templates and the year's folder; every change makes a new snapshot, and
open pages, subscribed to /events (server-sent events), reload themselves. A change that breaks
something is shown on the page, in words, with the file and line; the server keeps running.

A request is read whole before it is given a thread (see `heads`), so a client that sends slowly
holds nothing that the browser needs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import threading
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lgsco_letters.editors.access import LOOPBACK_NAMES, WILDCARDS, same_token
from lgsco_letters.editors.heads import HeadReader
from lgsco_letters.editors.server_pages import page
from lgsco_letters.editors.snapshot import Site, Snapshot
from lgsco_letters.render.assets import AssetError, media_type, resolve_asset

logger = logging.getLogger(__name__)

# What /assets/ will serve: the letter's stylesheets, fonts and images, never template sources.
ASSET_SUFFIXES = {".css", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ttf", ".otf",
                  ".woff", ".woff2"}
KEEPALIVE_SECONDS = 15.0
REQUEST_TIMEOUT = 5.0  # seconds a client has to send its whole request (line and headers)
WRITE_TIMEOUT = 20.0  # seconds a client may take to accept what is sent to it
MAX_CONNECTIONS = 64  # requests served at once, event streams included: a thread each
QUERY = re.compile(r"\?[^\s\"']*")  # a URL's query, where the token travels
COOKIE = "lgsco_preview"


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    _set_cookie: str | None = None  # the token's cookie, set by the request that bore it

    def setup(self) -> None:
        self.timeout = WRITE_TIMEOUT  # applied to the socket by StreamRequestHandler
        super().setup()
        self.rfile = io.BytesIO(self.server.take_head(self.request))  # read already

    def log_message(self, format: str, *args) -> None:
        """The request, with any query (the token, right or wrong) left out."""
        logger.debug("%s %s", self.address_string(), QUERY.sub("?...", format % args))

    def do_GET(self) -> None:
        if not self.server.serves_host(self.headers.get("Host", "")):
            # DNS rebinding: a page on another site must not read letters through its name
            return self._refuse(HTTPStatus.BAD_REQUEST, "Unknown host")
        if not self._admitted():
            return self._refuse(HTTPStatus.FORBIDDEN, "This preview needs the address with its "
                                                      "token, as the server printed it")
        path = unquote(urlsplit(self.path).path)
        if "\0" in path:
            return self._refuse(HTTPStatus.BAD_REQUEST, "Bad request")
        snapshot = self.server.site.snapshot
        if path == "/":
            return self._html(page("index", **self._index_context(snapshot)))
        if path == "/events":
            return self._events()
        if path.startswith("/assets/"):
            return self._asset(snapshot, path.removeprefix("/assets/"))
        if path.startswith("/letters/"):
            return self._letter(snapshot, path.removeprefix("/letters/"))
        return self._not_found()

    def _index_context(self, snapshot: Snapshot) -> dict:
        year = snapshot.year
        return {"label": year.label if year else "", "problems": snapshot.problems,
                "authorities": year.authorities if year else ()}

    def _letter(self, snapshot: Snapshot, rest: str) -> None:
        slug, _, view = rest.partition("/")
        if snapshot.year is None:  # the year does not load: each letter's page says why
            return self._unloaded(snapshot, slug, view)
        if slug.endswith(".pdf") and not view:
            authority = snapshot.authority(slug.removesuffix(".pdf"))
            return self._pdf(snapshot, authority) if authority else self._not_found()
        authority = snapshot.authority(slug)
        if authority is None or view not in ("", "html"):
            return self._not_found()
        html, problems = self.server.site.letter_html(snapshot, authority)
        if view == "html":
            return self._html(html or page("error", title="Cannot show the letter",
                                           problems=problems))
        neighbours = list(snapshot.year.authorities)
        index = neighbours.index(authority)
        self._html(page("letter", authority=authority, problems=problems,
                        standing=self.server.site.standing(snapshot, authority),
                        previous=neighbours[index - 1] if index else None,
                        next=neighbours[index + 1] if index + 1 < len(neighbours) else None))

    def _unloaded(self, snapshot: Snapshot, slug: str, view: str) -> None:
        """A letter's page, HTML view or PDF while the year's data has a problem: the problem,
        as `check` words it, on a page that reloads itself once it is mended."""
        pdf = slug.endswith(".pdf") and not view
        slug = slug.removesuffix(".pdf") if pdf else slug
        if not self.server.site.may_be_letter(slug) or view not in ("", "html"):
            return self._not_found()
        status = HTTPStatus.INTERNAL_SERVER_ERROR if pdf else HTTPStatus.OK
        self._html(page("error", title="Cannot show the letter", problems=snapshot.problems),
                   status)

    def _pdf(self, snapshot: Snapshot, authority) -> None:
        pdf, problems = self.server.site.letter_pdf(snapshot, authority)
        if problems:
            return self._html(page("error", title="Cannot render the PDF", problems=problems),
                              HTTPStatus.INTERNAL_SERVER_ERROR)
        self._send(pdf, "application/pdf")

    def _asset(self, snapshot: Snapshot, relative: str) -> None:
        folder = self.server.site.templates_dir
        if Path(relative).suffix.lower() not in ASSET_SUFFIXES:
            return self._not_found()
        try:
            path = resolve_asset(folder, relative)
        except AssetError:
            return self._not_found()
        self._send(path.read_bytes(), media_type(path))

    def _events(self) -> None:
        """Server-sent events: the current version now, and again whenever it changes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        site, version = self.server.site, self.server.site.snapshot.version
        try:
            self.wfile.write(f"event: version\ndata: {version}\n\n".encode())
            self.wfile.flush()
            while not self.server.stopping.is_set():
                newer = site.wait(version, KEEPALIVE_SECONDS)
                message = f"event: version\ndata: {newer}\n\n" if newer != version else ": \n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
                version = newer
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away

    def _html(self, text: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(text.encode("utf-8"), "text/html; charset=utf-8", status)

    def _admitted(self) -> bool:
        """On a shared address, only whoever has the token: in the URL, or in the cookie that
        a URL with it sets (so that the page's own links and reloads need no token)."""
        token = self.server.token
        if token is None:
            return True
        try:
            cookies = SimpleCookie(self.headers.get("Cookie", ""))
        except CookieError:  # a malformed header admits no one, and breaks nothing
            cookies = SimpleCookie()
        if COOKIE in cookies and same_token(cookies[COOKIE].value, token):
            return True
        given = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        if same_token(given, token):
            self._set_cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
            return True
        return False

    def _refuse(self, status: HTTPStatus, title: str) -> None:
        self._html(page("error", title=title, problems=[]), status)

    def _not_found(self) -> None:
        self._html(page("error", title="Not found", problems=[]), HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if self._set_cookie:
            self.send_header("Set-Cookie", self._set_cookie)
        self.end_headers()
        self.wfile.write(body)


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # connections the kernel holds while the slots are full

    def __init__(self, address: tuple[str, int], site: Site,
                 request_timeout: float = REQUEST_TIMEOUT,
                 max_connections: int = MAX_CONNECTIONS, token: str | None = None):
        """`token`: required of every request (see `PreviewHandler._admitted`); a server on an
        address other machines can reach must have one."""
        self.token = token
        self.site, self.given_host = site, address[0]
        self.stopping = threading.Event()
        self.slots = threading.BoundedSemaphore(max_connections)
        self._heads: dict[socket.socket, bytes] = {}
        super().__init__(address, PreviewHandler)
        self.heads = HeadReader(self._dispatch, request_timeout)

    def serves_host(self, header: str) -> bool:
        """Whether a Host header names this server: loopback names or the address it was
        given, with its port (a browser leaves out only port 80)."""
        if self.given_host in WILDCARDS:
            return True  # any name may reach it: the address was chosen to be shared
        port = self.server_address[1]
        names = {*LOOPBACK_NAMES, *(f"{h}".lower() for h in (self.given_host,
                                                              self.server_address[0]))}
        names |= {f"[{name}]" for name in names if ":" in name and not name.startswith("[")}
        allowed = {f"{name}:{port}" for name in names} | (names if port == 80 else set())
        return header.strip().lower() in allowed

    def process_request(self, request, client_address) -> None:
        """Each connection's request is read whole first, by the head reader, in no thread of
        its own; it then comes to `_dispatch`."""
        self.heads.add(request, client_address)

    def _dispatch(self, request: socket.socket, client_address, head: bytes) -> None:
        """A thread for a whole request, if a slot is free; else 503 at once."""
        if not self.slots.acquire(blocking=False):
            logger.info("refusing %s: %s", client_address, "too many requests at once")
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                b"Retry-After: 1\r\n\r\n")
            self.shutdown_request(request)
            return
        self._heads[request] = head
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._heads.pop(request, None)
            self.slots.release()
            raise

    def take_head(self, request: socket.socket) -> bytes:
        return self._heads.pop(request, b"")

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def watch(self, debounce_ms: int = 120) -> threading.Thread:
        """Reload the site whenever a file under the templates, the year's folder or the year
        before's changes; watch another year before as soon as `previous:` names it."""
        import watchfiles

        def run() -> None:
            while not self.stopping.is_set():
                paths = self.site.watched()
                for changes in watchfiles.watch(*paths, debounce=debounce_ms, step=40,
                                                stop_event=self.stopping,
                                                raise_interrupt=False):
                    logger.info("changed: %s", ", ".join(sorted(p for _, p in changes)))
                    self.site.reload()  # never raises: a failure becomes the page's problem
                    if self.site.watched() != paths:
                        break

        thread = threading.Thread(target=run, name="watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
        with self.site.changed:
            self.site.changed.notify_all()
        self.shutdown()
        self.heads.stop()
        self.server_close()
        self.site.close()
