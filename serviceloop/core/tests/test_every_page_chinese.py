"""Every page of every role renders in Chinese with no English left: each GET-able URL of the URLconf is opened by
each role on a small world (patterns filled with sample object ids), and the text a user reads is searched for Latin
words that are neither data nor names read as they are (Excel, API…). A new URL with parameters must be given a
sample below, so no page escapes the check."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from serviceloop.core.i18n_check import english_left, read_text

pytestmark = pytest.mark.django_db

ROLES = ["city_admin", "branch_manager", "station_head", "market_manager", "account_manager", "agent",
         "supervisor", "inspector", "outsider"]  # fmt: skip
# Not pages: the Django admin (its own translations), the API (JSON), set-language and log-out (POST only).
SKIPPED_PREFIXES = ("admin/", "api/", "i18n/")
SKIPPED_NAMES = {"logout", "favicon"}
# Pages worth opening with a query string too (other tabs of the same page).
VARIANTS = [
    "/servicedesk/kpis/?group=month", "/servicedesk/kpis/?group=category", "/servicedesk/ledger/?state=overdue",
    "/servicedesk/holidays/?year=2027",
    "/tags/board/?group=month", "/tags/board/?group=strategy", "/tags/?to_verify=1",
    "/visits/key-lists/?list=care", "/kpis/?level=route", "/kpis/?span=quarter", "/evaluation/scorecards/?subject=station", "/visits/compliance/?by=route", "/customers/?ordering=-grade",
    "/supervision/work/?done=1", "/supervision/risks/?status=live", "/trade/points/?cycle=2026-W47&q=1",
    "/trainings/coverage/?year=2025", "/evaluation/grades/?grade=pending", "/evaluation/stars/?state=proposed",
]  # fmt: skip


def picture(name="p.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def small_world(world):
    """One of everything a page can show: a tag loop with photos, a visit, a request, a survey, an allocation."""
    from serviceloop.growth.services import allocationrun_create
    from serviceloop.growth.tests.helpers import sheet_bytes
    from serviceloop.portal.services import shoptoken_ensure, trackingtoken_ensure
    from serviceloop.servicedesk.models import Category
    from serviceloop.servicedesk.services import servicerequest_file
    from serviceloop.surveys.services import link_code
    from serviceloop.surveys.tests.conftest import answered_wave
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach, customertag_transition
    from serviceloop.visits.models import CycleNote, Visit, VisitPolicy
    from serviceloop.visits.services import visit_check_in, visit_record

    now = timezone.now()
    shop = world.shops["张湾1号线"][0]
    am = world.account_manager
    ctag = customertag_attach(customer=shop, tag=ProblemTag.objects.get(name="不会网上订货"), source="visit",
                              reason="不会下单", actor=am, now=now, photo=picture())  # fmt: skip
    customertag_transition(ctag=ctag, action="remove", actor=am, now=now, note="教会了", steps=["1"],
                           photo=picture())  # fmt: skip
    visit = Visit.objects.create(customer=shop, manager=am, route=shop.route, source="manual", planned_on=now.date(),
                                 policy=VisitPolicy.objects.get(name="三四星客户"))  # fmt: skip
    visit_check_in(visit=visit, actor=am, now=now - dt.timedelta(minutes=30))
    visit_record(visit=visit, outcome="visited", covered=["宣传政策法规"], notes="好", photo=picture(), actor=am,
                 now=now)  # fmt: skip
    planned = Visit.objects.create(customer=world.shops["张湾1号线"][1], manager=am, route=shop.route,
                                   source="manual", planned_on=now.date(),
                                   policy=VisitPolicy.objects.get(name="三四星客户"))  # fmt: skip
    CycleNote.objects.create(manager=am, week_start=now.date(), analysis="分析", updated_at=now)
    sr, _created = servicerequest_file(customer=shop, channel="phone", kind="complaint",
                                       category=Category.objects.filter(active=True).first(), text="送货晚了",
                                       actor=world.agent, now=now, photos=[picture()])  # fmt: skip
    wave = answered_wave(world, seed=4)
    target = wave.targets.filter(customer=shop).first()
    questionnaire = wave.questionnaire
    section = questionnaire.sections.first()
    run = allocationrun_create(content=sheet_bytes({"ADV": 16}), filename="week.xlsx", actor=world.city_admin,
                               now=now)  # fmt: skip
    from serviceloop.core.models import Work
    from serviceloop.trade.derive import grades_compute
    from serviceloop.trade.importing import import_trade_file
    from serviceloop.trade.models import Order
    from serviceloop.trade.testing import ORDER_HEADER, csv_bytes, make_products, order_rows

    make_products()
    lines = order_rows(shop, "P1", timezone.localdate(now), [("31020002", 2, 1), ("42020005", 3, 3)])
    trade_batch = import_trade_file(file=csv_bytes(ORDER_HEADER, lines), kind="orders", now=now)
    grade_run = grades_compute(actor=None, now=now)
    from serviceloop.growth.restock import restock_run

    restock_run(now=now + dt.timedelta(days=7))  # restock advice on the list and the customer page

    running = Work.objects.create(title="导出客户档案", func_path="serviceloop.core.background.export_sheets",
                                  created_by=world.city_admin, created_at=now, status="running", done=3, total=8)  # fmt: skip
    failed = Work.objects.create(title="导入客户", func_path="serviceloop.core.background.export_sheets",
                                 created_by=world.city_admin, created_at=now, status="failed", message="文件有误")  # fmt: skip
    from serviceloop.core.background import start_work
    from serviceloop.customers.tasks import check_customer_file, pending_dir
    from serviceloop.servicedesk.models import Holiday

    holiday = Holiday.objects.create(date=dt.date(2027, 2, 6), name="春节")
    (pending_dir() / "sample-check.csv").write_text(
        "许可证号,客户名称,市场部\n420301199001,样例店,张湾服务站\n"
    )
    import_check = start_work(check_customer_file, user=world.city_admin, title="检查", name="sample-check.csv",
                              filename="客户.csv", user_id=world.city_admin.pk)  # fmt: skip
    from serviceloop.evaluation.models import Scorecard
    from serviceloop.evaluation.services import job_scorecards
    from serviceloop.integrations.tests.samples import integration_samples
    from serviceloop.kpis.compute import job_kpis

    job_kpis(now)
    job_scorecards(now)
    card = Scorecard.objects.get(
        subject="manager", unit_id=am.pk, period_kind="month", period=timezone.localdate(now).replace(day=1)
    )
    from serviceloop.evaluation.models import StarAward, StarRule
    from serviceloop.evaluation.recognition import grades_propose, stars_propose
    from serviceloop.kpis.selectors import Period

    StarRule.objects.create(subject="manager", period_kind="month", min_score=0, reason="样例", set_at=now)
    stars_propose(subject="manager", period=Period("month", card.period), actor=None, now=now)
    grades_propose(year=card.period.year, actor=None, now=now)
    star = StarAward.objects.filter(unit_id=am.pk).first()
    month = timezone.localdate(now).strftime("%Y-%m")
    sup = _supervision_samples(world, now, visit, planned)
    return {
        **sup,
        **_training_samples(world, now),
        **integration_samples(world, now),
        "kpis:compare": [{"code": "visit_compliance"}, {"code": "complaints_per_100"}],
        "kpis:target-edit": {"code": "e_settlement_success"},
        "kpis:drill": [
            {"code": code, "level": "route", "unit_id": shop.route_id, "period": month}
            for code in (
                "follow_up_rate",
                "visit_compliance",
                "tag_remove_days",
                "survey_coverage",
                "online_share",
            )
        ],
        "evaluation:scorecard": {"pk": card.pk},
        "evaluation:manager": {"pk": am.pk},
        "evaluation:star": {"pk": star.pk},
        "work": [{"pk": running.pk}, {"pk": failed.pk}],
        "servicedesk:holiday-delete": {"pk": holiday.pk},
        "customers:import-result": {"pk": import_check.pk},
        "customers:import-confirm": {"pk": import_check.pk},
        "org:staff-edit": {"pk": am.pk},
        "org:unit-create": {"kind": "route"},
        "org:unit-edit": {"kind": "station", "pk": world.station_a1.pk},
        "customers:detail": {"pk": shop.pk},
        "customers:edit": {"pk": shop.pk},
        "servicedesk:shop-context": {"pk": shop.pk},
        "servicedesk:shop-panel": {"pk": shop.pk},
        "servicedesk:detail": {"pk": sr.pk},
        "servicedesk:act": {"pk": sr.pk, "action": "acknowledge"},
        "tags:library-edit": {"pk": ctag.tag_id},
        "tags:attach": {"customer_pk": shop.pk},
        "tags:detail": {"pk": ctag.pk},
        "visits:policy-edit": {"pk": visit.policy_id},
        "visits:add": {"customer_pk": shop.pk},
        "visits:record": [{"pk": visit.pk}, {"pk": planned.pk}],
        "surveys:public": {"code": link_code(wave.targets.exclude(pk=target.pk).first())},
        "surveys:wave": {"pk": wave.pk},
        "surveys:wave-draw": {"pk": wave.pk},
        "surveys:wave-transition": {"pk": wave.pk},
        "surveys:progress": {"pk": wave.pk},
        "surveys:remind": {"pk": wave.pk, "tpk": target.pk},
        "surveys:reissue": {"pk": wave.pk, "tpk": target.pk},
        "surveys:entry-list": {"pk": wave.pk},
        "surveys:entry": {"pk": wave.pk, "tpk": target.pk},
        "surveys:results": {"pk": wave.pk},
        "surveys:report": {"pk": wave.pk},
        "surveys:low-scores": {"pk": wave.pk},
        "surveys:questionnaire": {"pk": questionnaire.pk},
        "surveys:questionnaire-version": {"pk": questionnaire.pk},
        "surveys:section-create": {"qpk": questionnaire.pk},
        "surveys:section": {"qpk": questionnaire.pk, "pk": section.pk},
        "surveys:item-create": {"spk": section.pk},
        "surveys:item": {"spk": section.pk, "pk": section.items.first().pk},
        "portal:shop": {"token": shoptoken_ensure(customer=shop, actor=None, now=now).value},
        "portal:shop-advice": {"token": shoptoken_ensure(customer=shop, actor=None, now=now).value},
        "portal:shop-owner": {"token": shoptoken_ensure(customer=shop, actor=None, now=now).value},
        "portal:track": {"token": trackingtoken_ensure(service_request=sr, now=now).value},
        "portal:customer-qr": {"pk": shop.pk},
        "portal:customer-qr-regenerate": {"pk": shop.pk},
        "growth:run": {"pk": run.pk},
        "growth:rerun": {"pk": run.pk},
        "growth:shops": {"pk": run.pk},
        "growth:product": {"run_pk": run.pk, "pk": run.products.filter(handled=True).first().pk},
        "trade:batch": {"pk": trade_batch.pk},
        "trade:batch-commit": {"pk": trade_batch.pk},
        "trade:batch-rollback": {"pk": trade_batch.pk},
        "trade:order": {"pk": Order.objects.get(order_no="P1").pk},
        "trade:derived-compute": {"what": "grades"},
        "trade:run": {"pk": grade_run.pk},
        "trade:run-decide": {"pk": grade_run.pk, "decision": "discard"},
        "trade:shop-panel": {"customer_pk": shop.pk},
        "trade:alias-add": {"what": "column"},
        "trade:alias-delete": {"what": "column", "pk": 1},
        **_guidance_samples(shop, am, now),
    }


def _guidance_samples(shop, am, now):
    from serviceloop.guidance.services import guidancebook_generate
    from serviceloop.portal.services import shoptoken_ensure

    book = guidancebook_generate(customer=shop, actor=am, now=now)
    return {
        "guidance:shop": {"pk": shop.pk},
        "guidance:book": {"pk": book.pk},
        "guidance_public:book": {"token": shoptoken_ensure(customer=shop, actor=None, now=now).value},
    }


def _supervision_samples(world, now, visit, planned):
    """A plan with one inspected item (a problem, its rectification) and one to inspect, and a risk worked on."""
    from serviceloop.supervision.models import InspectionItem
    from serviceloop.supervision.services import plan_create, record_create, risk_raise, risk_transition

    month = timezone.localdate(now).replace(day=1)
    plan = plan_create(data={"name": "走访抽查", "kind": "scheduled", "sources": ["visits", "requests"],
                             "per_station": 2, "branch": None, "first_month": month}, actor=world.supervisor,
                       now=now)  # fmt: skip
    items = [InspectionItem.objects.create(plan=plan, month=month, station=world.station_a1, source=source,
                                           object_id=v.pk, customer=v.customer, person=world.account_manager,
                                           summary="走访记录", drawn_at=now)
             for source, v in (("visits", visit), ("requests", planned))]  # fmt: skip
    record = record_create(item=items[0], data={"method": "phone", "finding": "problem", "severity": "major",
                                                "notes": "未见照片", "deadline": timezone.localdate(now)},
                           actor=world.inspector, now=now, photo=picture())  # fmt: skip
    risk = risk_raise(data={"level": "station", "station": world.station_a1, "title": "断货投诉集中",
                            "owner": world.station_head, "measures": "每周盘点"}, actor=world.supervisor, now=now)  # fmt: skip
    risk_transition(risk=risk, action="submit", actor=world.station_head, now=now, note="已落实")
    from serviceloop.reviews.models import Rater
    from serviceloop.reviews.services import rating_submit, reviewee_add, round_create, round_transition
    from serviceloop.surveys.models import Questionnaire

    rnd = round_create(data={"name": "四季度360", "period_start": month, "period_end": month + dt.timedelta(days=20),
                             "min_raters": 2, "questionnaire": Questionnaire.objects.order_by("pk").first()},
                       actor=world.city_admin, now=now)  # fmt: skip
    reviewee = reviewee_add(rnd=rnd, manager=world.account_manager, actor=world.city_admin, now=now)
    round_transition(rnd=rnd, actor=world.city_admin, now=now)
    scores = {"attitude": 4, "skill": 4, "responsibility": 5, "teamwork": 3}
    for rater in Rater.objects.filter(reviewee=reviewee):
        rating_submit(rater=rater, scores=scores, actor=rater.user, now=now)
    rater = Rater.objects.filter(reviewee=reviewee).first()
    return {
        "reviews:round": {"pk": rnd.pk},
        "reviews:rate": {"pk": rater.pk},
        "supervision:plan": {"pk": plan.pk},
        "supervision:item": [{"pk": items[0].pk}, {"pk": items[1].pk}],
        "supervision:rectification": {"pk": record.rectification.pk},
        "supervision:risk": {"pk": risk.pk},
    }


def _training_samples(world, now):
    """A training with shops invited (QR door, invitation form) and one held, with attendance, the feedback survey
    and a tag removed afterwards (the effect figures)."""
    from serviceloop.tags.models import ProblemTag
    from serviceloop.tags.services import customertag_attach
    from serviceloop.trainings.models import TrainingTopic
    from serviceloop.trainings.services import (
        attendance_set,
        checkin_code,
        feedback_send,
        session_create,
        session_invite,
        session_transition,
    )

    topic = TrainingTopic.objects.get(name="订货")
    shops = world.shops["张湾1号线"] + world.shops["张湾2号线"]
    customertag_attach(customer=shops[1], tag=ProblemTag.objects.get(name="订货结构不合理"), source="data",
                       reason="结构单一", actor=None, now=now - dt.timedelta(days=30))  # fmt: skip
    sessions = []
    for days in (-2, 2):
        start = now + dt.timedelta(days=days)
        s = session_create(data={"topic": topic, "trainer": world.account_manager, "place": "张湾服务站会议室",
                                 "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "capacity": 30,
                                 "station": world.station_a1, "notes": "带上营业执照"},
                           actor=world.station_head, now=now - dt.timedelta(days=5))  # fmt: skip
        session_invite(session=s, customers=shops, targeting="tag", actor=world.station_head, now=now)
        sessions.append(s)
    held = sessions[0]
    attendance_set(session=held, attended_ids=held.invitations.values_list("pk", flat=True)[:2],
                   actor=world.station_head, now=now)  # fmt: skip
    session_transition(session=held, action="hold", actor=world.station_head, now=now)
    feedback_send(session=held, actor=world.station_head, now=now)
    return {
        "trainings:session": [{"pk": held.pk}, {"pk": sessions[1].pk}],
        "trainings:session-edit": {"pk": sessions[1].pk},
        "trainings:session-invite": {"pk": sessions[1].pk},
        "trainings:session-door": {"pk": sessions[1].pk},
        "trainings:session-attendance": {"pk": held.pk},
        "trainings:session-step": {"pk": held.pk},
        "trainings:session-feedback": {"pk": held.pk},
        "trainings:topic-edit": {"pk": topic.pk},
        "trainings:checkin": {"code": checkin_code(sessions[1])},
    }


def patterns(resolver=None, prefix="", namespace=None):
    """(route, name, converters) of every URL pattern, namespaces joined."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, p.pattern.regex.groupindex


def is_file(route: str, name: str | None) -> bool:
    """Downloads (Excel, PDF, pictures, QR codes) hold no interface text to check."""
    return route.rstrip("$/\\Z").endswith((".pdf", ".svg", ".png", ".xlsx")) or any(
        word in (name or "") for word in ("export", "photo", "attachment", "download")
    )


def page_urls(samples) -> tuple[list[str], list[str]]:
    """The URL of every page (with sample ids), and the names of parameterised patterns that have no sample."""
    urls, missing = [], []
    for route, name, groups in patterns():
        if route.startswith(SKIPPED_PREFIXES) or name in SKIPPED_NAMES or is_file(route, name):
            continue
        if not groups:
            urls.append(reverse(name))
        elif name in samples:
            for kwargs in samples[name] if isinstance(samples[name], list) else [samples[name]]:
                urls.append(reverse(name, kwargs=kwargs))
        else:
            missing.append(name or route)
    return urls + VARIANTS, missing


def data_words(world) -> set[str]:
    """Latin words that are data of the test world, not interface text: usernames, codes of libraries."""
    from serviceloop.customers.models import CreditRating
    from serviceloop.org.models import User
    from serviceloop.surveys.models import Item, Questionnaire, Section

    words = set(User.objects.values_list("username", flat=True)) | set(CreditRating.values)
    for model in (Questionnaire, Section, Item):
        words |= set(model.objects.values_list("code", flat=True))
    return {w for value in words for w in [value, *value.replace("-", "_").split("_")] if w}


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    """The world and its sample objects, built once for the module inside a transaction rolled back at its end
    (each test's own transaction is a savepoint inside it)."""
    from django.db import transaction

    from serviceloop.core.testing import build_world

    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            world = build_world()
            urls, missing = page_urls(small_world(world))
            assert not missing, f"give these URL patterns a sample in small_world(): {missing}"
            yield world, urls, data_words(world)
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def leftovers(client, urls, data) -> dict[str, list[str]]:
    found = {}
    for url in urls:
        response = client.get(url)
        if response.status_code in (301, 302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        assert response.status_code in (200, 400, 403, 404), (url, response.status_code)
        left = english_left(read_text(response.content.decode()), data=data)
        if left:
            found[url] = left
    return found


@pytest.mark.parametrize("who", ROLES)
def test_every_page_a_role_opens_reads_in_chinese(client, pages, who, settings):
    settings.DEBUG = False
    world, urls, data = pages
    client.force_login(getattr(world, who))
    found = leftovers(client, urls, data)
    assert not found, "English left in the Chinese UI:\n" + "\n".join(f"{u}: {t}" for u, t in found.items())


def test_the_public_pages_read_in_chinese_for_a_shop_owner(client, pages, settings):
    settings.DEBUG = False
    from serviceloop.core.testing import owner_cookie
    from serviceloop.customers.models import Customer

    _world, urls, data = pages
    owner_cookie(client, *Customer.objects.values_list("pk", flat=True))  # the book and advice, not the check
    public = [u for u in urls if u.startswith(("/s/", "/t/", "/q/", "/login/", "/trainings/checkin/"))]
    public.append("/no-such-page/")
    assert len(public) >= 4
    found = leftovers(client, public, data)
    assert not found, found


def test_the_check_catches_an_english_string_that_slipped_through():
    page = (
        engines["django"]
        .from_string(
            '{% load i18n %}<h1>{% translate "Customers" %}</h1><button title="{% translate "Unheard of words" %}">'
            '{% translate "Save" %}</button><p>{% translate "A sentence nobody translated" %}</p>'
            '<td>station_head</td><script>var x = "English in a script";</script>'
        )
        .render({})
    )
    found = english_left(read_text(page), data={"station_head"})
    assert found == ["A sentence nobody translated", "Unheard of words"]
