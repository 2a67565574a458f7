"""What a phone downloads on the first load of a page: the page and the static files it references.

Static files are counted gzip-compressed (level 9), as whitenoise serves them in production
(``CompressedManifestStaticFilesStorage`` writes a .gz, and a .br, next to each file); fonts a stylesheet
loads through ``url(…)`` count as well (only the .woff2 a phone would pick). Used by the QR page's test and by
``bench/bench_intake.py``.
"""

import gzip
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# Stylesheets, scripts and images; favicons are fetched once per site, not per page, and are left out.
ASSET_RE = re.compile(
    r"""<(?:link(?=[^>]*rel=["']stylesheet["'])[^>]+href|script[^>]+src|img[^>]+src)=["']([^"']+)["']""", re.I
)
CSS_URL_RE = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def _static_path(url: str) -> Path | None:
    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        return None
    name = path[len(settings.STATIC_URL) :]
    found = finders.find(name) or finders.find(re.sub(r"\.[0-9a-f]{12}(\.\w+)$", r"\1", name))
    return Path(found) if found else None


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def first_load_bytes(html: str, *, html_on_wire: int | None = None) -> dict[str, int]:
    """Bytes over the wire per resource: "page" (``html_on_wire`` if given, else its gzip size) and each static
    file the page references, with the fonts its stylesheets load. Raises on a reference to a missing file."""
    sizes = {"page": html_on_wire if html_on_wire is not None else gzip_size(html.encode())}
    for url in dict.fromkeys(ASSET_RE.findall(html)):
        if url.startswith("data:"):
            continue
        path = _static_path(url)
        if path is None:
            raise ValueError(f"not a static file: {url}")
        data = path.read_bytes()
        sizes[url] = gzip_size(data)
        if path.suffix == ".css":
            for ref in CSS_URL_RE.findall(data.decode("utf-8", "replace")):
                if ref.startswith("data:") or not urlsplit(ref).path.endswith(".woff2"):
                    continue
                font = _static_path(urljoin(url, ref))
                if font is not None:
                    sizes[urljoin(url, urlsplit(ref).path)] = len(font.read_bytes())  # woff2 is compressed
    return sizes
