"""The user guide: the file and its pictures, its page in the dashboard, the picture route."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from dashboard.pages import guide
from tests.dashboard.test_auth import PREFIX, ids_in, login, page

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"


def _guide_text() -> str:
    return (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")


def _markdown_of(tree: Any) -> str:
    """The text of the guide's ``dcc.Markdown`` in a rendered page."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == "guide-texte":
                found.append(str(props.get("children")))
            for v in props.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    assert len(found) == 1
    return found[0]


def test_the_guide_exists_and_every_picture_it_shows_is_there() -> None:
    text = _guide_text()
    assert guide.GUIDE == ROOT / "docs" / "guide.md"
    names = guide.image_names(text)
    assert len(names) >= 5
    for name in names:
        assert guide.IMAGE_NAME.match(name), name
        assert (ROOT / "docs" / "screenshots" / name).is_file(), name
    # no picture written another way, that the page would not rewrite
    assert len(re.findall(r"!\[", text)) == len(names)


def test_the_guide_speaks_to_both_audiences() -> None:
    headings = [line for line in _guide_text().splitlines() if line.startswith("#")]
    titles = " ".join(headings).lower()
    for part in ("référent", "cellule nationale", "données personnelles"):
        assert part in titles, part


def test_the_readme_links_to_the_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/guide.md)" in readme


def test_guide_page_renders_the_markdown_with_served_pictures(dash_app: Any, world: Any) -> None:
    client = dash_app.server.test_client()
    assert login(client, world.secrets["referent"]).status_code == 303
    tree = page(client, PREFIX + "guide")
    assert {"page-guide", "guide-texte", "nav-guide"} <= ids_in(tree)
    shown = _markdown_of(tree)
    first_heading = next(line for line in _guide_text().splitlines() if line.startswith("# "))
    assert first_heading in shown
    assert "](screenshots/" not in shown
    assert f"]({PREFIX}guide/screenshots/national.png)" in shown


def test_guide_page_sends_a_visitor_without_session_to_login(dash_app: Any) -> None:
    client = dash_app.server.test_client()
    ids = ids_in(page(client, PREFIX + "guide"))
    assert "page-connexion" in ids and "page-guide" not in ids


def test_guide_page_says_when_the_file_is_missing(tmp_path: Path) -> None:
    from dashboard.runtime import PageContext

    ctx = PageContext(None, None, None)  # type: ignore[arg-type]
    assert guide.layout(ctx, tmp_path / "absent.md").children[0].id == "guide-absent"


def test_picture_route_serves_a_png(dash_app: Any, world: Any) -> None:
    client = dash_app.server.test_client()
    assert login(client, world.secrets["national"]).status_code == 303
    r = client.get(PREFIX + "guide/screenshots/national.png")
    assert r.status_code == 200
    assert r.mimetype == "image/png"
    assert r.data.startswith(PNG)
    assert r.data == (ROOT / "docs" / "screenshots" / "national.png").read_bytes()


@pytest.mark.parametrize(
    "name",
    [
        "../guide.md",
        "..%2Fguide.md",
        "../../README.md",
        "%2E%2E/%2E%2E/pyproject.toml",
        "sub/national.png",
        "..png",
        "absent.png",
        "national.txt",
        "national.png.txt",
    ],
)
def test_picture_route_refuses_anything_else(dash_app: Any, world: Any, name: str) -> None:
    client = dash_app.server.test_client()
    assert login(client, world.secrets["national"]).status_code == 303
    r = client.get(PREFIX + "guide/screenshots/" + name)
    assert r.status_code == 404
    assert not r.data.startswith(PNG)


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "%2Fetc%2Fpasswd", "..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd"]
)
def test_an_absolute_path_never_reaches_a_file(dash_app: Any, world: Any, name: str) -> None:
    """A slash after the route's path leaves it (Dash's page answers instead): no file."""
    client = dash_app.server.test_client()
    assert login(client, world.secrets["national"]).status_code == 303
    r = client.get(PREFIX + "guide/screenshots/" + name)
    assert r.mimetype != "image/png" and b"root:" not in r.data


def test_picture_route_needs_a_session(dash_app: Any) -> None:
    r = dash_app.server.test_client().get(PREFIX + "guide/screenshots/national.png")
    assert r.status_code == 404
