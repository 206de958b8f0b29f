"""The preview server without a browser: routes, live-reload events, errors, traversal."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from helpers import ADUR_ROW, BROMSGROVE_ROW, ROOT, TEMPLATES, csv_text
from lgsco_letters.editors.server import PreviewServer
from lgsco_letters.editors.snapshot import Site


@pytest.fixture
def preview(tmp_path, make_year):
    """A running server on a free port, over copies of the templates and a small year."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    data = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW))
    server = PreviewServer(("127.0.0.1", 0), Site(data, templates))
    server.watch(debounce_ms=50)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.templates, server.data = templates, data
    yield server
    server.stop()


def get(server, path: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(server.base + path, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def wait_for(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_it_listens_on_loopback_by_default():
    from lgsco_letters.cli import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


def test_the_index_lists_every_authority_and_marks_specimens(preview):
    status, kind, body = get(preview, "/")
    assert (status, kind) == (200, "text/html; charset=utf-8")
    text = body.decode()
    assert '<a href="/letters/adur-district-council/">Adur District Council</a> ' \
           '<span class="specimen">specimen</span>' in text
    assert '<a href="/letters/bromsgrove-district-council/">Bromsgrove District Council</a></li>' \
           in text
    assert 'id="filter"' in text


def test_a_letter_page_with_both_views_and_neighbours(preview):
    status, _, body = get(preview, "/letters/adur-district-council/")
    text = body.decode()
    assert status == 200
    assert 'src="/letters/adur-district-council/html"' in text
    assert 'href="/letters/adur-district-council.pdf" download=' in text
    assert 'href="/letters/bromsgrove-district-council/" rel="next"' in text
    assert "Print view (the real PDF)" in text


def test_the_html_view_uses_served_assets(preview):
    status, _, body = get(preview, "/letters/bromsgrove-district-council/html")
    text = body.decode()
    assert status == 200 and "Dear Kevin Dicks," in text
    assert '<link rel="stylesheet" href="/assets/brand/brand.css">' in text
    assert get(preview, "/assets/brand/brand.css")[:2] == (200, "text/css")
    assert get(preview, "/assets/brand/wordmark.svg")[:2] == (200, "image/svg+xml")
    assert get(preview, "/assets/brand/fonts/LiberationSans-Bold.ttf")[:2] == (200, "font/ttf")


def test_the_pdf_is_the_real_one(preview):
    status, kind, body = get(preview, "/letters/bromsgrove-district-council.pdf")
    assert (status, kind) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")


@pytest.mark.parametrize("path", [
    "/assets/../lgsco-letters.yml", "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/letter-2018.html",
    "/assets/brand/../../data/2017-18/year.yaml", "/assets/..%2f..%2fpyproject.toml",
    "/letters/../../etc/passwd", "/letters/%2e%2e%2fdata/", "/letters/nobody/",
    "/letters/bromsgrove-district-council/other", "/etc/passwd", "/templates/base.html",
])
def test_nothing_outside_assets_and_letters_is_served(preview, path):
    status, _, body = get(preview, path)
    assert status == 404
    assert b"root:" not in body and b"letter_date" not in body


def test_an_asset_outside_the_templates_is_refused_even_with_an_allowed_suffix(preview, tmp_path):
    (tmp_path / "secret.css").write_text("body { color: red }")
    assert get(preview, "/assets/../secret.css")[0] == 404
    assert get(preview, "/assets/%2e%2e/secret.css")[0] == 404


def read_events(preview, count: int, seconds: float = 10.0) -> list[str]:
    """Versions announced on /events, read in a thread."""
    versions: list[str] = []

    def listen() -> None:
        with urllib.request.urlopen(preview.base + "/events", timeout=seconds) as stream:
            for line in stream:
                if line.startswith(b"data: "):
                    versions.append(line[6:].strip().decode())
                    if len(versions) >= count:
                        return

    threading.Thread(target=listen, daemon=True).start()
    return versions


def test_saving_a_template_announces_a_new_version(preview):
    versions = read_events(preview, 2)
    wait_for(lambda: len(versions) == 1)
    letter = preview.templates / "letter-2018.html"
    letter.write_text(letter.read_text().replace("I write to you", "We write to you"))
    wait_for(lambda: len(versions) == 2, seconds=5)
    assert int(versions[1]) > int(versions[0])
    assert "We write to you" in get(preview, "/letters/adur-district-council/html")[2].decode()


def test_a_broken_template_shows_the_error_and_the_letter_comes_back(preview):
    letter = preview.templates / "letter-2018.html"
    good = letter.read_text()
    version = preview.site.snapshot.version
    letter.write_text(good.replace("{{ prose.strategy_period }}", "{{ prose.strategy_period }"))
    wait_for(lambda: preview.site.snapshot.version > version)
    status, _, body = get(preview, "/letters/adur-district-council/")
    text = body.decode()
    assert status == 200
    assert "The letter cannot be shown" in text
    assert "letter-2018.html, line 20: unexpected &#39;}&#39;" in text
    assert get(preview, "/letters/adur-district-council.pdf")[0] == 500

    version = preview.site.snapshot.version
    letter.write_text(good)
    wait_for(lambda: preview.site.snapshot.version > version)
    text = get(preview, "/letters/adur-district-council/html")[2].decode()
    assert "Dear Chief Executive," in text


def test_an_undefined_name_shows_the_template_and_line(preview):
    letter = preview.templates / "letter-2018.html"
    version = preview.site.snapshot.version
    letter.write_text(letter.read_text().replace("{{ prose.courses_delivered }}",
                                                 "{{ prose.courses }}"))
    wait_for(lambda: preview.site.snapshot.version > version)
    text = get(preview, "/letters/bromsgrove-district-council/")[2].decode()
    assert "templates/letter-2018.html, line 34: prose has no &#34;courses&#34;" in text
    assert "authorities.csv" not in text  # the template is at fault, not the data


def test_bad_data_is_shown_on_the_index_and_the_server_keeps_running(preview):
    csv_path = preview.data / "authorities.csv"
    good = csv_path.read_text()
    version = preview.site.snapshot.version
    csv_path.write_text(good.replace(",0,4,2,0,3,", ",0,x,2,0,3,"))
    wait_for(lambda: preview.site.snapshot.version > version)
    text = get(preview, "/")[2].decode()
    assert "received_benefits_and_tax: expected a whole number of 0 or more, found " \
           "&#34;x&#34;" in text
    version = preview.site.snapshot.version
    csv_path.write_text(good)
    wait_for(lambda: preview.site.snapshot.version > version)
    assert "Adur District Council" in get(preview, "/")[2].decode()


def test_starting_renders_nothing_and_loads_no_weasyprint(make_year):
    data = make_year(csv=csv_text(ADUR_ROW))
    script = ("import sys; from pathlib import Path; "
              "from lgsco_letters.editors.snapshot import Site; "
              f"site = Site(Path({str(data)!r}), Path({str(TEMPLATES)!r})); "
              "print(site.snapshot.year is not None, site._pdfs, 'weasyprint' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["True", "{}", "False"]


def raw_get(server, path: str, host: str | None = None) -> int:
    import http.client

    port = server.server_address[1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{port}"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_only_its_own_host_names_are_answered(preview):
    port = preview.server_address[1]
    letter = "/letters/bromsgrove-district-council/"
    assert raw_get(preview, letter, f"attacker.example.com:{port}") == 400
    assert raw_get(preview, letter, "attacker.example.com") == 400
    assert raw_get(preview, letter, f"127.0.0.1:{port + 1}") == 400
    assert raw_get(preview, letter, f"127.0.0.1:{port}") == 200
    assert raw_get(preview, letter, f"localhost:{port}") == 200


def test_a_nul_in_a_path_is_a_bad_request_not_a_traceback(preview, capfd):
    assert raw_get(preview, "/assets/x%00.css") == 400
    assert raw_get(preview, "/letters/bromsgrove%00/") == 400
    assert raw_get(preview, "/") == 200
    assert "Traceback" not in capfd.readouterr().err


def test_a_value_that_fails_while_loading_shows_and_the_next_good_save_is_followed(preview):
    year_yaml = preview.data / "year.yaml"
    good = year_yaml.read_text()
    year_yaml.write_text(good.replace("2018-07-18", "2018-02-30"))
    wait_for(lambda: b"is not a real date" in get(preview, "/")[2])
    year_yaml.write_text(good.replace("delivery: By email", "delivery: By hand"))
    wait_for(lambda: b"By hand" in get(preview, "/letters/bromsgrove-district-council/html")[2])


def test_idle_connections_are_bounded_and_timed_out(tmp_path, make_year):
    import socket

    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    server = PreviewServer(("127.0.0.1", 0), Site(data, TEMPLATES), request_timeout=1.0,
                           max_connections=8)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    before = threading.active_count()
    idle = [socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10)
            for _ in range(100)]
    try:
        # every one accepted and being read, by the one reader of heads, not a thread each
        wait_for(lambda: len(server.heads.waiting) == len(idle))
        assert threading.active_count() <= before + 8
        wait_for(lambda: not server.heads.waiting)  # each closed, a second after it came
        assert [sock.recv(1) for sock in idle] == [b""] * len(idle)
        assert threading.active_count() <= before
        assert get(server, "/")[0] == 200
    finally:
        for sock in idle:
            sock.close()
        server.stop()


def test_a_shared_address_needs_the_token_or_its_cookie(tmp_path, make_year):
    import http.client

    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    server = PreviewServer(("0.0.0.0", 0), Site(data, TEMPLATES), token="s3cret-token")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def request(path: str, cookie: str = "") -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    try:
        assert request("/").status == 403
        assert request("/letters/bromsgrove-district-council/").status == 403
        assert request("/?token=wrong").status == 403
        assert request("/", "lgsco_preview=wrong").status == 403
        assert request("/", "a=b; $$$=").status == 403  # a malformed cookie breaks nothing
        admitted = request("/?token=s3cret-token")
        assert admitted.status == 200
        cookie = admitted.getheader("Set-Cookie")
        assert cookie.startswith("lgsco_preview=s3cret-token;") and "HttpOnly" in cookie
        assert request("/letters/bromsgrove-district-council/", cookie.split(";")[0]).status == 200
    finally:
        server.stop()


def test_serve_on_a_shared_address_prints_a_token_and_a_warning(tmp_path, make_year):
    import socket

    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    process = subprocess.Popen(
        [sys.executable, "-m", "lgsco_letters", "serve", "--data", str(data), "--host",
         "0.0.0.0", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        line = process.stdout.readline()
        warning = process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
    address = line.split(" at ")[1].split(" ")[0]
    token = address.split("?token=")[1]
    # an address a colleague can open: this machine's name, never 0.0.0.0
    assert address.startswith(f"http://{socket.gethostname()}:") and len(token) >= 32
    assert "0.0.0.0" not in line
    assert warning.startswith("Warning: 0.0.0.0 can be reached from other machines.")


def test_a_letters_page_says_where_the_built_letter_stands(tmp_path, make_year, run):
    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    out_root = tmp_path / "out"
    assert run("build", "--data", data, "--out", out_root / "2017-18").exit_code == 0
    server = PreviewServer(("127.0.0.1", 0), Site(data, TEMPLATES, out_root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        page = get(server, "/letters/bromsgrove-district-council/")[2].decode()
        assert "Built letter: draft: not approved" in page
        assert run("approve", "bromsgrove", "--as", "Pat Signer", "--data", data, "--out",
                   out_root / "2017-18").exit_code == 0
        page = get(server, "/letters/bromsgrove-district-council/")[2].decode()
        assert "Built letter: approved: approved by Pat Signer on " in page
        assert ", to chief.executive@bromsgrove.example.org" in page
        csv_path = data / "authorities.csv"  # the same verdict as send's, in the same words
        csv_path.write_text(csv_path.read_text().replace("chief.executive@bromsgrove",
                                                         "ce@bromsgrove"))
        server.site.reload()
        page = get(server, "/letters/bromsgrove-district-council/")[2].decode()
        assert ("Built letter: held back: the address changed since approval: approve it again "
                "(approved to chief.executive@bromsgrove.example.org; now to "
                "ce@bromsgrove.example.org)") in page
    finally:
        server.stop()


@pytest.fixture
def shared(make_year):
    """A server on every address, with a token, as `serve --host 0.0.0.0` runs it."""
    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    server = PreviewServer(("0.0.0.0", 0), Site(data, TEMPLATES), request_timeout=2.0,
                           token="s3cret-token")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.stop()


def raw_request(server, head: bytes) -> bytes:
    """Send `head` as it is, bytes and all; the whole answer."""
    import socket

    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("head", [
    b"GET /?token=%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /?token=\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nCookie: lgsco_preview=\xc3\xa9\r\n\r\n",
])
def test_a_token_that_is_not_ascii_is_refused_not_a_traceback(shared, head, capfd):
    assert raw_request(shared, head).startswith(b"HTTP/1.0 403 ")
    assert raw_request(shared, b"GET /?token=s3cret-token HTTP/1.1\r\nHost: x\r\n\r\n") \
        .startswith(b"HTTP/1.0 200 ")
    assert "Traceback" not in capfd.readouterr().err


def test_slow_senders_cannot_starve_the_browser_that_holds_the_token(shared):
    """64 sockets that each send a header line every half second, reconnecting when closed,
    for as long as the browser works: every one of its requests is answered."""
    import http.client
    import socket

    port, stop, closed = shared.server_address[1], threading.Event(), []

    def trickle() -> None:
        while not stop.is_set():
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\n")
                try:
                    while not stop.wait(0.5):
                        sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    closed.append(1)  # the server gave up on it

    attackers = [threading.Thread(target=trickle, daemon=True) for _ in range(64)]
    for attacker in attackers:
        attacker.start()
    try:
        # every slow socket connected and trickling before the browser asks
        wait_for(lambda: len(shared.heads.waiting) >= len(attackers))
        for _ in range(8):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/?token=s3cret-token")
            response = connection.getresponse()
            assert response.status == 200 and b"Bromsgrove" in response.read()
            connection.close()
            time.sleep(0.25)
        wait_for(lambda: len(closed) >= 64, seconds=30)  # a request has seconds, not forever
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join(10)


def test_no_token_is_ever_logged(shared, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    base = f"http://127.0.0.1:{shared.server_address[1]}"
    for path in ("/?token=s3cret-token", "/?token=a-wrong-guess", "/letters/x/?token=guess-2"):
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(base + path, timeout=10).read()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /?... HTTP/1.1" in logged
    assert "s3cret-token" not in logged and "wrong-guess" not in logged
    assert "guess-2" not in logged


def test_serve_verbose_logs_no_token(tmp_path, make_year):
    data = make_year(csv=csv_text(BROMSGROVE_ROW))
    process = subprocess.Popen(
        [sys.executable, "-m", "lgsco_letters", "-v", "serve", "--data", str(data), "--host",
         "0.0.0.0", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        address = line.split(" at ")[1].split(" ")[0]
        port, token = address.split(":")[2].split("/")[0], address.split("?token=")[1]
        for guess in (token, "a-wrong-guess"):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/?token={guess}",
                                       timeout=10).read()
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)
    assert "DEBUG" in log and "GET /?... HTTP/1.1" in log
    assert token not in log and "a-wrong-guess" not in log


def test_with_bad_data_the_letters_page_shows_the_problem_and_comes_back(preview):
    from lgsco_letters.editors.check import check_year

    csv_path = preview.data / "authorities.csv"
    good = csv_path.read_text()
    version = preview.site.snapshot.version
    csv_path.write_text(good.replace(",0,4,2,0,3,", ",0,x,2,0,3,"))
    wait_for(lambda: preview.site.snapshot.version > version)
    (problem,) = check_year(preview.data, preview.templates).problems
    said = problem.located().removeprefix(", ").replace('"', "&#34;")  # as check words it
    for path in ("/letters/adur-district-council/", "/letters/adur-district-council/html",
                 "/letters/bromsgrove-district-council/"):
        status, _, body = get(preview, path)
        text = body.decode()
        assert status == 200, path
        assert "The letter cannot be shown" in text and said in text
        assert 'new EventSource("/events")' in text  # it reloads when the data is mended
    status, _, body = get(preview, "/letters/adur-district-council.pdf")
    assert status == 500 and said in body.decode()
    assert get(preview, "/letters/nobody/")[0] == 404

    version = preview.site.snapshot.version
    csv_path.write_text(good)
    wait_for(lambda: preview.site.snapshot.version > version)
    status, _, body = get(preview, "/letters/adur-district-council/")
    assert status == 200 and "The letter cannot be shown" not in body.decode()


def test_a_change_to_the_year_before_is_followed(tmp_path, make_year):
    """A 2018-19 letter quotes Adur's 2017-18 uphold rate: the page follows a save to 2017-18
    (2 of 3 upheld, 67%, then 3 of 3, 100%), and to year.yaml's `previous:`."""
    from helpers import HEADLINE_YEAR_YAML, headline_csv

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    before = make_year(csv=csv_text(ADUR_ROW, BROMSGROVE_ROW))  # 2017-18
    data = make_year(csv=headline_csv("Adur District Council", "Bromsgrove District Council"),
                     year_yaml=HEADLINE_YEAR_YAML + "previous: 2017-18\n", name="2018-19")
    server = PreviewServer(("127.0.0.1", 0), Site(data, templates))
    server.watch(debounce_ms=50)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        def adur() -> str:
            return get(server, "/letters/adur-district-council/html")[2].decode()
        assert "In 2017-18 it was&nbsp;67%." in adur()
        version = server.site.snapshot.version
        (before / "authorities.csv").write_text(csv_text(
            ADUR_ROW, BROMSGROVE_ROW).replace(",8,7,1,2,20,", ",8,7,0,3,20,"))
        wait_for(lambda: server.site.snapshot.version > version)
        assert "In 2017-18 it was&nbsp;100%." in adur()
        version = server.site.snapshot.version
        year_yaml = data / "year.yaml"
        year_yaml.write_text(year_yaml.read_text().replace("previous: 2017-18\n", ""))
        wait_for(lambda: server.site.snapshot.version > version)
        assert "2017-18" not in adur()
    finally:
        server.stop()
