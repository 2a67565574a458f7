"""Words a user reads: where one English word means two things, each meaning has its own Chinese word (pgettext)."""

import pytest
from django.utils import translation

from serviceloop.core.testing import text_of

pytestmark = pytest.mark.django_db


def labels():
    from serviceloop.customers.models import CustomerStatus
    from serviceloop.growth.models import AllocationRun, RegionAlias, RunStatus
    from serviceloop.servicedesk.models import Status
    from serviceloop.tags.models import ProblemTag
    from serviceloop.visits.models import Visit, VisitStatus

    return {
        "customer closed (licence cancelled)": (CustomerStatus.CLOSED.label, "注销"),
        "request closed": (Status.CLOSED.label, "已关闭"),
        "visit done": (VisitStatus.DONE.label, "已完成"),
        "visit cancelled": (VisitStatus.CANCELLED.label, "已取消"),
        "visit outcome": (Visit._meta.get_field("outcome").verbose_name, "走访结果"),
        "allocation run done": (RunStatus.DONE.label, "已完成"),
        "allocation run kind": (AllocationRun._meta.get_field("kind").verbose_name, "投放方式"),
        "region alias kind": (RegionAlias._meta.get_field("kind").verbose_name, "档案字段"),
        "problem tag category": (ProblemTag._meta.get_field("category").verbose_name, "问题类别"),
    }


@pytest.mark.parametrize("meaning", list(labels()))
def test_each_meaning_has_its_own_chinese_word(meaning):
    with translation.override("zh-hans"):
        label, expected = labels()[meaning]
        assert str(label) == expected


def test_the_request_words_stay_the_request_words():
    from serviceloop.servicedesk.models import Closure, ServiceRequest, Status

    with translation.override("zh-hans"):
        assert str(Status.RESOLVED.label) == "已办结" and str(Closure.DONE.label) == "已办结"
        assert str(ServiceRequest._meta.get_field("kind").verbose_name) == "诉求类型"
        assert str(ServiceRequest._meta.get_field("category").verbose_name) == "诉求类别"


def test_pages_use_the_word_of_their_own_subject(world, app):
    library = app.get("/tags/library/", user=world.city_admin)
    assert "问题类别" in text_of(library, "thead") and "诉求" not in text_of(library, "thead")
    runs = app.get("/allocation/", user=world.city_admin)
    assert "诉求" not in text_of(runs, "main")
    aliases = app.get("/allocation/aliases/", user=world.city_admin)
    assert "档案字段" in text_of(aliases, "thead") and "诉求" not in text_of(aliases, "main")
    visits = app.get("/visits/", user=world.station_head)
    filter_labels = text_of(visits, "#visit-filter label")
    assert "走访结果" in filter_labels and "起始日期" in filter_labels and "截止日期" in filter_labels
    assert "原状态" not in filter_labels and "处理结果" not in filter_labels


def test_survey_progress_says_answered_as_a_survey_word(world, app):
    from serviceloop.surveys.tests.conftest import make_wave

    wave = make_wave(world)
    form = app.get(f"/surveys/{wave.pk}/progress/", user=world.city_admin).forms["progress-filter"]
    assert "已作答" in [label for _v, _s, label in form["state"].options]
