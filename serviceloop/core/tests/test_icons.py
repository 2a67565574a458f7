"""Icons: inline SVG on the public pages, a subset of the icon font (only the icons used) on the staff pages."""

import gzip
import json
import re

import pytest
from django.conf import settings
from django.template import Context, Template

from serviceloop.core.icon_subset import OUT, SOURCE, icons_used
from serviceloop.core.icons import PATHS
from serviceloop.core.pageweight import first_load_bytes


def subset_names() -> set[str]:
    return set(re.findall(r"\.bi-([a-z0-9-]+)::before", (OUT / "bi-subset.css").read_text()))


@pytest.mark.skipif(not (SOURCE / "bootstrap-icons.json").exists(), reason="node_modules not installed")
def test_every_icon_the_code_names_is_in_the_subset():
    known = json.loads((SOURCE / "bootstrap-icons.json").read_text())
    missing = {n for n in icons_used() if n in known} - subset_names()
    assert not missing, f"run `python manage.py icon_subset` (missing: {sorted(missing)})"


@pytest.mark.django_db
def test_every_menu_icon_of_the_fullest_menu_is_in_the_subset(world):
    from serviceloop.core.nav import menu_for

    names = set()
    for item in menu_for(world.city_admin):
        names.add(item["icon"])
        names.update(child["icon"] for child in item.get("children", ()))
    assert names <= subset_names(), names - subset_names()


def test_the_icon_tag_draws_inline_svg_and_a_fallback_for_unknown_names():
    html = Template('{% load icons %}{% icon "truck" %}{% icon "no-such" %}').render(Context())
    assert html.count("<svg") == 2 and PATHS["truck"] in html and PATHS["chat-dots"] in html


@pytest.mark.django_db
def test_a_staff_page_loads_the_icon_subset_not_the_whole_font(login, world):
    page = login(world.city_admin).get("/customers/", HTTP_ACCEPT_ENCODING="gzip")
    html = gzip.decompress(page.content).decode()
    sizes = first_load_bytes(html, html_on_wire=len(page.content))
    fonts = {name: size for name, size in sizes.items() if name.endswith(".woff2")}
    assert list(fonts) == [settings.STATIC_URL + "icons/bi-subset.woff2"], fonts
    assert fonts.popitem()[1] < 10 * 1024  # the whole font is 134 KB
    assert "bootstrap-icons.min.css" not in html
