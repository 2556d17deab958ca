"""PDF through LibreOffice headless (the office suite county offices already have).

`docx_to_pdf` converts the Word file a format wrote, in a throwaway
LibreOffice profile so a desktop session of the same user is not touched.
Without LibreOffice it is a `PdfUnavailableError` saying what to install,
never a half-written file.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from govbiz.errors import GovbizError

__all__ = ["PROGRAMS", "PdfUnavailableError", "docx_to_pdf", "libreoffice"]

#: The names LibreOffice's program goes by, in the order looked for.
PROGRAMS = ("soffice", "libreoffice")
_TIMEOUT = 180


class PdfUnavailableError(GovbizError):
    """A PDF was asked for and LibreOffice is not installed, or it failed to convert."""


def libreoffice() -> str | None:
    """The path of LibreOffice's program, or `None` when it is not installed."""
    return next((found for name in PROGRAMS if (found := shutil.which(name))), None)


def docx_to_pdf(data: bytes) -> bytes:
    """The PDF LibreOffice makes of the .docx `data`."""
    program = libreoffice()
    if program is None:
        raise PdfUnavailableError(
            "a PDF needs LibreOffice (soffice) to convert the Word file, and it is not installed: "
            "install LibreOffice Writer (Debian/Ubuntu: apt install libreoffice-writer), "
            "or write FILE.docx and print it from Word or WPS"
        )
    with tempfile.TemporaryDirectory(prefix="govbiz-pdf-") as work:
        folder = Path(work)
        source = folder / "document.docx"
        source.write_bytes(data)
        profile = (folder / "profile").as_uri()
        args = [
            program,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PdfUnavailableError(
                f"LibreOffice did not convert the document within {_TIMEOUT} s"
            ) from None
        pdf = folder / "document.pdf"
        if done.returncode != 0 or not pdf.exists():
            said = (done.stderr or done.stdout).strip().splitlines()
            raise PdfUnavailableError(
                f"LibreOffice ({program}) could not convert the document to PDF"
                + (f": {said[-1]}" if said else "")
                + " (is LibreOffice Writer installed? apt install libreoffice-writer)"
            )
        return pdf.read_bytes()
