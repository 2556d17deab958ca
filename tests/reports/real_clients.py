"""Running the real programs a report is opened with: headless Chromium, LibreOffice, pdftotext.

They come from Debian packages that `scripts/install-test-clients` installs
(`scripts/test` runs it).  A missing program fails the test with that hint;
it is never a skip.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL_HINT = (
    "run scripts/install-test-clients (apt: chromium libreoffice-calc poppler-utils fonts-wqy-zenhei)"
)
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--no-pdf-header-footer",
)  # fmt: skip


def program(*names: str) -> str:
    """The path of the first installed program of `names`; fails the test if none is."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"{' or '.join(names)} is not installed: {INSTALL_HINT}")


def run(args: list[str], *, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """Run a program; fail the test with its output if it fails."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{args[0]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def chromium(page: Path, profile: Path, *actions: str) -> str:
    """Open `page` in headless Chromium with a throwaway profile; return what it prints (e.g. --dump-dom)."""
    browser = program("chromium", "chromium-browser", "google-chrome")
    args = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *actions, page.resolve().as_uri()]
    return run(args).stdout


def pdf_text(pdf: Path) -> str:
    """The text of a PDF, as pdftotext extracts it (reading order, layout kept)."""
    run([program("pdftotext"), "-layout", str(pdf), str(pdf.with_suffix(".txt"))])
    return pdf.with_suffix(".txt").read_text(encoding="utf-8")
