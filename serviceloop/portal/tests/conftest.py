import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


@pytest.fixture(autouse=True)
def _fresh_cache_and_media(settings, tmp_path):
    """Rate-limit counters live in the cache; photos go to a throw-away media folder."""
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    cache.clear()


@pytest.fixture
def shop_link(world):
    from serviceloop.portal.services import shoptoken_ensure

    shop = world.shops["张湾1号线"][0]
    return shoptoken_ensure(customer=shop, actor=None, now=timezone.now())


def photo_file(fmt="JPEG", name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")
