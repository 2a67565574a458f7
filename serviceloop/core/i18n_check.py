"""Finding English left in the Chinese UI: the text a user reads on a page, and the Latin words in it that are
neither data nor names everyone uses untranslated (Excel, API, QR…).

Used by the test that renders every page of every role (core/tests/test_every_page_chinese.py); kept here so that
the same check can be run against a live demo by hand.
"""

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction

# What a user reads besides the text itself.
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-label")
# Never read: code, data handed to scripts, and what the browser does not show.
SKIPPED_TAGS = ("script", "style", "noscript", "template", "code", "svg")
# Names that Chinese users read as they are.
UNTRANSLATED_NAMES = frozenset(
    {"API", "Excel", "QR", "SHA", "PDF", "SERVQUAL", "Webhook", "OpenAPI", "HTTP", "HTTPS", "SMS", "URL", "ID",
     "CSV", "GB", "UTF", "PNG", "JPEG", "WebP", "SVG", "MB", "KB", "KPI", "Likert", "Cronbach", "KMO",
     "Bartlett", "Heywood", "App", "Ctrl", "ECharts", "Android", "iPhone", "xlsx", "xlsm", "csv"}
)  # fmt: skip
# A word: Latin letters, not glued to digits, underscores or dots (file names, codes like D10, customer.export).
TOKEN = re.compile(r"[A-Za-z0-9_.@/-]*[A-Za-z][A-Za-z0-9_.@/'’-]*")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
URL = re.compile(r"https?://\S+")
NOT_READ = (Comment, Declaration, Doctype, ProcessingInstruction)


def read_text(html: str) -> list[str]:
    """The pieces of text a user reads on the page: text nodes and the readable attributes, in page order."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(SKIPPED_TAGS):
        tag.decompose()
    # Text marked as another language on purpose (the language switch names "English" in English).
    for tag in soup.find_all(lang=True):
        if tag.name != "html" and not tag["lang"].lower().startswith("zh"):
            tag.decompose()
    for node in soup.find_all(string=lambda s: isinstance(s, NOT_READ)):
        node.extract()
    pieces = [s.strip() for s in soup.find_all(string=True) if s.strip()]
    for element in soup.find_all(True):
        pieces += [element[a].strip() for a in READ_ATTRIBUTES if element.has_attr(a) and element[a].strip()]
        if element.name == "input" and element.get("type") in ("submit", "button") and element.get("value"):
            pieces.append(element["value"])
    return pieces


def english_left(pieces: Iterable[str], *, data: Iterable[str] = ()) -> list[str]:
    """The pieces holding a Latin word that is not an allowed name or a known data value (usernames, codes…)."""
    allowed = set(UNTRANSLATED_NAMES) | set(data)
    out = []
    for piece in pieces:
        for token in TOKEN.findall(URL.sub(" ", piece)):
            token = token.strip(".'’-/")
            if token in allowed or not WORD.fullmatch(token):  # data, a name, or a code / file name / number
                continue
            out.append(piece)
            break
    return out
