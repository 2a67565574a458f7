import os

import pytest

os.environ.setdefault("SERVICELOOP_DEV", "1")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")


@pytest.fixture
def world(db):
    from serviceloop.core.testing import build_world

    return build_world()


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in as that user and returns it."""
    from serviceloop.core.testing import PASSWORD

    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login
