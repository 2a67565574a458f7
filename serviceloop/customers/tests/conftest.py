import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads and the files of background work (exports) go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
