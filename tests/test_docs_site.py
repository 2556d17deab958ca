"""The built documentation reads offline: on a county intranet and opened from files.

The site is built once (``mkdocs build --strict``) into a temporary folder, and
its HTML is parsed: no page loads a script or style sheet from the internet (the
Mermaid diagrams used to come from unpkg.com and showed as raw source offline),
and links name ``.html`` files, so a page opened with file:// finds its
neighbours instead of a directory listing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class _Assets(HTMLParser):
    """The URLs a page loads (scripts, style sheets) and the ones it links to."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.loaded.append(values["src"] or "")
        elif tag == "link" and "stylesheet" in (values.get("rel") or "").split():
            self.loaded.append(values.get("href") or "")
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")


def _parse(page: Path) -> _Assets:
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def test_no_page_loads_a_script_or_style_sheet_from_the_internet(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    remote = {
        f"{page.relative_to(site)}: {url}"
        for page in pages
        for url in _parse(page).loaded
        if url.startswith(("http:", "https:", "//"))
    }
    assert not remote


def test_mermaid_ships_with_the_site_and_the_diagram_pages_load_it(site: Path) -> None:
    assert (site / "assets" / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000
    page = site / "architecture.html"
    assert 'class="mermaid"' in page.read_text(encoding="utf-8")
    assert "assets/javascripts/mermaid.min.js" in _parse(page).loaded


def test_links_name_html_files_so_pages_open_from_files(site: Path) -> None:
    assert not (site / "quickstart").exists()
    assert (site / "quickstart.html").is_file()
    links = _parse(site / "index.html").links
    assert "quickstart.html" in links
    local = [url for url in links if not url.startswith(("http:", "https:", "mailto:", "#"))]
    assert local
    assert not [url for url in local if url.split("#")[0].endswith("/")]
