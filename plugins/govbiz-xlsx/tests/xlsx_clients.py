"""LibreOffice and pdftotext for the xlsx tests (Debian packages; see scripts/install-test-clients)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

INSTALL_HINT = "run scripts/install-test-clients (apt: libreoffice-calc poppler-utils fonts-wqy-zenhei)"


def program(*names: str) -> str:
    """The first installed program of `names`; fails the test (never skips) if none is."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"{' or '.join(names)} is not installed: {INSTALL_HINT}")


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0:
        pytest.fail(f"{args[0]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")


def xlsx_as_pdf_text(workbook: Path, work: Path) -> str:
    """Convert `workbook` to PDF with headless LibreOffice and return the PDF's text."""
    soffice = program("soffice", "libreoffice")
    profile = (work / "lo-profile").resolve().as_uri()
    _run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
          "--outdir", str(work), str(workbook)])  # fmt: skip
    pdf = work / (workbook.stem + ".pdf")
    if not pdf.exists():
        pytest.fail(f"LibreOffice wrote no {pdf.name}")
    _run([program("pdftotext"), "-layout", str(pdf), str(pdf.with_suffix(".txt"))])
    return pdf.with_suffix(".txt").read_text(encoding="utf-8")
