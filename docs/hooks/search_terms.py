"""MkDocs hook: keep the glossary's short Chinese terms whole in the search index.

How Chinese search works in this site: Material's search plugin cuts Chinese
text into words with ``jieba.cut`` when it builds the index, and the browser
cuts a Chinese query into words that exist in the index, each matched as a
prefix.  That finds most terms already (交办, 回访, 督查室 -> 督查 + 室).  It
fails where jieba splits a short term into pieces that are not index words of
their own: 不满意 becomes 不 + 满意, 不 is a stop word, and the query finds
nothing.

So every glossary term (first column of docs/glossary.md) of two or three Han
characters that jieba would split is added to jieba's dictionary.  Longer
terms are left alone on purpose: keeping 现场交办 or 统一社会信用代码 whole
would hide their tails (交办, 信用代码) from a query, because the browser
matches prefixes only.  A term added to the glossary is picked up without
touching this file.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.search_terms")

# A run of Han characters (CJK Unified Ideographs and Extension A).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
MAX_TERM_LENGTH = 3


def glossary_terms(glossary: Path) -> list[str]:
    """Chinese terms in the first column of every table row of ``glossary``."""
    terms: set[str] = set()
    for line in glossary.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            first_cell = line.strip().strip("|").split("|")[0]
            terms.update(_HAN.findall(first_cell))
    return sorted(terms)


def on_config(config: Any) -> Any:
    try:
        import jieba
    except ImportError:
        log.warning("jieba is not installed: Chinese search cannot segment words")
        return config
    jieba.setLogLevel(logging.WARNING)
    glossary = Path(config["docs_dir"]) / "glossary.md"
    if not glossary.exists():
        return config
    added = []
    for term in glossary_terms(glossary):
        if 2 <= len(term) <= MAX_TERM_LENGTH and list(jieba.cut(term)) != [term]:
            jieba.add_word(term)
            added.append(term)
    log.debug("search_terms: kept whole for search: %s", " ".join(added))
    return config
