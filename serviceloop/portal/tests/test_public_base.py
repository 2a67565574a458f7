"""PUBLIC_BASE_URL: printed cards must encode an address a shop's phone reaches; `PORT=8080 make run` works."""

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from serviceloop.portal.selectors import public_base_problem

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db  # the portal's autouse fixture clears the (database) cache


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("http://127.0.0.1:8000", "loopback"),
        ("http://localhost:8000", "loopback"),
        ("http://[::1]:8000", "loopback"),
        ("http://0.0.0.0:8000", "loopback"),
        ("http://192.168.1.20", "private"),
        ("http://10.0.0.5:8080", "private"),
        ("http://172.16.3.4", "private"),
        ("http://169.254.1.1", "private"),
        ("http://server1:8000", "private"),
        ("http://fw.corp.local", "private"),
        ("", "invalid"),
        ("ftp://fw.example.cn", "invalid"),
        ("fw.example.cn", "invalid"),
        ("https://fw.example.cn", ""),
        ("http://fw.example.cn:8080", ""),
        ("https://58.20.1.7", ""),
    ],
)
def test_it_tells_an_address_a_phone_cannot_reach(base, problem):
    assert public_base_problem(base) == problem


def test_the_cards_page_warns_while_the_codes_point_at_a_loopback_address(app, world, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    page = app.get(reverse("portal:routes"), user=world.city_admin)
    warning = page.html.select_one("[data-testid=public-base-warning]").get_text()
    assert "http://127.0.0.1:8000" in warning and "PUBLIC_BASE_URL" in warning
    assert "打不开" in warning


def test_the_cards_page_says_nothing_for_a_public_address(app, world, settings):
    settings.PUBLIC_BASE_URL = "https://fw.example.cn"
    page = app.get(reverse("portal:routes"), user=world.city_admin)
    assert not page.html.select("[data-testid=public-base-warning]")


@pytest.mark.parametrize(("env", "port"), [({}, "8000"), ({"PORT": "8080"}, "8080")])
def test_make_run_serves_on_the_port_asked_for(env, port):
    import os

    out = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=True
    ).stdout
    assert f"-b 127.0.0.1:{port} " in out
    assert f"http://127.0.0.1:{port}/" in out


def test_the_readme_names_public_base_url():
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `PUBLIC_BASE_URL`"))
    assert "QR" in row
