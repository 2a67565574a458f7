"""The task list's labels: drawn by tags that read a cached choice table, with the display method's results."""

import pytest
from django.utils import translation

from serviceloop.servicedesk.models import Kind, ServiceRequest, Status
from serviceloop.servicedesk.templatetags.servicedesk import choice_label, status_badge


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_labels_match_the_display_methods_in_each_language(language):
    with translation.override(language):
        for status in Status.values:
            sr = ServiceRequest(status=status, kind=Kind.values[0])
            assert choice_label(sr, "status") == sr.get_status_display()
            assert str(sr.get_status_display()) in status_badge(sr)
        for kind in Kind.values:
            assert (
                choice_label(ServiceRequest(kind=kind), "kind")
                == ServiceRequest(kind=kind).get_kind_display()
            )
    with translation.override("zh-hans"):
        assert "关闭" in status_badge(ServiceRequest(status=Status.CLOSED))  # pgettext: 关闭, not 注销


def test_an_unknown_value_is_shown_as_it_is_and_escaped():
    sr = ServiceRequest(status="<b>odd</b>")
    assert choice_label(sr, "status") == "<b>odd</b>"
    assert "&lt;b&gt;odd&lt;/b&gt;" in status_badge(sr) and "text-bg-primary" in status_badge(sr)
