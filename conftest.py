import pytest


@pytest.fixture
def world(db):
    from serviceloop.core.testing import build_world

    return build_world()


def login_request():
    from django.test import RequestFactory

    return RequestFactory().post("/login/")


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in as that user and returns it."""
    from serviceloop.core.testing import PASSWORD

    def _login(user):
        # The password check runs through django-axes, which needs the request (for the client's address).
        assert client.login(request=login_request(), username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, started the way this closed network needs (no background connections)."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def app(django_app):
    """WebTest: pages are fetched, and forms filled and submitted, as rendered (``app.get(url, user=u)``)."""
    return django_app
