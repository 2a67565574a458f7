"""The staff pages' icon font cut down to the icons the code uses (134 KB → a few KB).

``icons_used()`` finds every Bootstrap icon name in the templates, the Python sources (menu entries such as
``"icon": "table"``, the QR page's category icons) and the scripts; ``python manage.py icon_subset`` writes
``static/icons/bi-subset.woff2`` and ``static/icons/bi-subset.css`` from node_modules/bootstrap-icons with
those glyphs only. A test fails when a name used somewhere is missing from the subset: run the command again.
"""

import json
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
OUT = ROOT / "static" / "icons"
SOURCE = ROOT / "node_modules" / "bootstrap-icons" / "font"

CLASS_RE = re.compile(r"\bbi-([a-z0-9]+(?:-[a-z0-9]+)*)\b")
PY_ICON_RE = re.compile(
    r"""["']icon["']\s*:\s*["']([a-z0-9-]+)["']"""  # menu entries: {"label": …, "icon": "table"}
    r"""|\(_\("[^"]*"\),\s*"([a-z0-9-]+)",\s*\w"""  # menu groups: (_("Customers"), "shop", customers)
)


def icons_used() -> set[str]:
    names = set()
    for folder in (ROOT / "templates", ROOT / "serviceloop", ROOT / "static" / "js"):
        for path in folder.rglob("*"):
            if path.suffix not in (".html", ".py", ".js") or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            names.update(CLASS_RE.findall(text))
            if path.suffix == ".py":
                names.update(n for pair in PY_ICON_RE.findall(text) for n in pair if n)
    from serviceloop.portal.templatetags.portal import CATEGORY_ICONS

    names.update(CATEGORY_ICONS.values())
    return names


def build() -> tuple[list[str], int]:
    from fontTools import subset

    codes = json.loads((SOURCE / "bootstrap-icons.json").read_text())
    names = sorted(n for n in icons_used() if n in codes)
    OUT.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = []
    options.name_IDs = []
    options.notdef_outline = False
    font = subset.load_font(str(SOURCE / "fonts" / "bootstrap-icons.woff2"), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[codes[n] for n in names])
    subsetter.subset(font)
    subset.save_font(font, str(OUT / "bi-subset.woff2"), options)
    rules = "\n".join(f'.bi-{n}::before {{ content: "\\{codes[n]:x}"; }}' for n in names)
    (OUT / "bi-subset.css").write_text(
        "/* Bootstrap Icons (MIT) cut down to the icons ServiceLoop uses: python manage.py icon_subset */\n"
        '@font-face { font-display: block; font-family: "bootstrap-icons"; '
        'src: url("bi-subset.woff2") format("woff2"); }\n'
        '.bi::before, [class^="bi-"]::before, [class*=" bi-"]::before { display: inline-block; '
        "font-family: bootstrap-icons !important; font-style: normal; font-weight: normal !important; "
        "font-variant: normal; text-transform: none; line-height: 1; vertical-align: -.125em; "
        "-webkit-font-smoothing: antialiased; -moz-osx-font-smoothing: grayscale; }\n" + rules + "\n",
        encoding="utf-8",
    )
    return names, (OUT / "bi-subset.woff2").stat().st_size
