"""What the served app (API, docs, dashboard) sends a browser: its own files only, compressed,
cached; ``/`` leads to the dashboard. The same checks in a real browser, every request
recorded: ``tests/dashboard/test_browser_offline.py``.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from api.settings import ApiSettings
from cli.wiring import create_server
from graph.access.web import SECURITY_HEADERS

GZIP = {"Accept-Encoding": "gzip"}
#: an absolute http(s) URL and its host
ABSOLUTE = re.compile(r"""https?://([^/'"\s:?#]+)""")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
YEAR = "max-age=31536000"


class _Loaded(HTMLParser):
    """The URLs a page makes a browser load: scripts, style sheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"] or "")
        if tag == "redoc" and a.get("spec-url"):
            self.urls.append(a["spec-url"] or "")
        self._in_script = tag == "script" and not a.get("src")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts.append(data)


def loaded(html: str) -> _Loaded:
    parser = _Loaded()
    parser.feed(html)
    return parser


def outside(text: str) -> list[str]:
    """The hosts of absolute URLs in ``text`` that are not this machine."""
    return [h for h in ABSOLUTE.findall(text) if h not in LOCAL_HOSTS]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    # no lifespan: nothing here reads the store
    data = Path(tmp_path_factory.mktemp("web-delivery"))
    return TestClient(create_server(ApiSettings(data_dir=data, api_warm=False)))


def test_root_leads_to_the_dashboard(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 303, 307, 308)
    assert r.headers["location"] == "/dashboard/"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_load_only_the_apps_own_files(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    found = loaded(r.text)
    assert found.urls, "the page loads its scripts"
    assert outside(r.text) == []  # no CDN, no fonts, no favicon from elsewhere
    for url in found.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        got = client.get(url, headers=GZIP)
        assert got.status_code == 200, url
        assert len(got.content) > 0
    if page == "/docs":
        # the configuration Swagger UI runs: the schema here, no online validator badge
        config = "".join(found.inline_scripts)
        assert "url: '/openapi.json'" in config
        assert '"validatorUrl": null' in config or "validatorUrl: null" in config
    scripts = [u for u in found.urls if u.endswith(".js")]
    assert scripts and all(u.startswith("/docs-static/") for u in scripts)


def test_openapi_schema_points_at_no_other_host(client: TestClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert "servers" not in schema and "x-logo" not in schema.get("info", {})
    assert outside(r.text) == []


def test_dashboard_index_loads_only_the_apps_own_files(client: TestClient) -> None:
    r = client.get("/dashboard/")
    assert r.status_code == 200
    found = loaded(r.text)
    scripts = [u for u in found.urls if ".js" in u]
    assert len(scripts) >= 10  # Dash's renderer, React, the components, Plotly
    assert any("plotly" in u for u in scripts)
    for url in found.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert url.startswith("/dashboard/"), url
        got = client.get(url)
        assert got.status_code == 200, url
        if url.endswith(".css") or ".css?" in url:
            # a style sheet loads no font or image from elsewhere
            assert outside(got.text) == [], url


def _suite_script(client: TestClient, name: str) -> str:
    urls = loaded(client.get("/dashboard/").text).urls
    return next(u for u in urls if name in u)


def test_dash_bundles_come_compressed_and_cached_a_year(client: TestClient) -> None:
    url = _suite_script(client, "/plotly/package_data/plotly")  # the largest: 4.8 MB
    r = client.get(url, headers=GZIP)
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert YEAR in r.headers["cache-control"]
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    # what goes over the wire (before httpx decodes it) is under a third of the file
    with client.stream("GET", url, headers=GZIP) as raw:
        wire = b"".join(raw.iter_raw())
    assert len(wire) < len(r.content) / 3
    assert gzip.decompress(wire) == r.content
    # a client that does not ask for gzip gets the plain file
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == r.content


def test_api_answers_and_pages_come_compressed(client: TestClient) -> None:
    for url in ("/openapi.json", "/docs", "/dashboard/"):
        r = client.get(url, headers=GZIP)
        assert r.status_code == 200, url
        assert r.headers.get("content-encoding") == "gzip", url
        for name, value in SECURITY_HEADERS.items():
            assert value in r.headers[name], (url, name)  # the docs' CSP says more


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_pages_let_the_browser_load_from_this_origin_only(
    client: TestClient, page: str
) -> None:
    # ReDoc's script draws its maker's logo from their CDN: the policy stops it there
    csp = client.get(page).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["frame-ancestors"] == "'none'"
    for name in ("script-src", "style-src", "connect-src", "font-src"):
        sources = directives[name].split()
        assert sources[0] == "'self'" and not [s for s in sources if "://" in s or "*" in s]


def test_dashboard_assets_cached_by_version(client: TestClient) -> None:
    urls = [u for u in loaded(client.get("/dashboard/").text).urls if "/assets/" in u]
    assert urls and all("?m=" in u for u in urls)  # Dash stamps each with its file's time
    for url in urls:
        stamped = client.get(url)
        assert stamped.status_code == 200
        assert YEAR in stamped.headers["cache-control"], url
        assert "immutable" in stamped.headers["cache-control"], url
        # the same file without its stamp may change: asked again each time
        bare = client.get(url.split("?")[0])
        assert bare.status_code == 200
        assert bare.headers["cache-control"] == "no-cache", url
        assert bare.headers.get("etag") or bare.headers.get("last-modified")


def test_docs_files_cached_by_version(client: TestClient) -> None:
    urls = loaded(client.get("/docs").text).urls + loaded(client.get("/redoc").text).urls
    files = [u for u in urls if u.startswith("/docs-static/")]
    assert len(files) >= 3  # Swagger UI's script and style, ReDoc's script
    for url in files:
        r = client.get(url)
        assert YEAR in r.headers["cache-control"] and "immutable" in r.headers["cache-control"]
