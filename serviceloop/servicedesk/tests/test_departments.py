"""One-stop handling: a department (物流中心, 财务, 营销中心) owns a request, its staff see and handle it, and the
desk still follows it up."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceloop.core.testing import make_user, text_of
from serviceloop.org.models import Department, Role, User
from serviceloop.servicedesk import services as s
from serviceloop.servicedesk.models import ServiceRequest, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def logistics(world):
    dept = Department.objects.create(company=world.company, name="物流中心")
    staff = make_user(
        "wuliu", Role.DEPARTMENT_STAFF, company=world.company, department=dept, full_name="物流小王"
    )
    return dept, staff


def test_the_city_admin_sets_up_a_department_and_its_staff_through_the_pages(world, app):
    page = app.get("/org/", user=world.city_admin)
    form = page.click(href="/org/department/new/").forms["org-edit"]
    form["company"] = str(world.company.pk)
    form["name"] = "财务"
    page = form.submit().follow()
    dept = Department.objects.get(name="财务")
    assert "财务" in text_of(page, "[data-testid=departments]")
    form = app.get("/org/staff/new/", user=world.city_admin).forms["org-edit"]
    form["username"] = "caiwu1"
    form["full_name"] = "财务小李"
    form["role"] = Role.DEPARTMENT_STAFF
    form["department"] = str(dept.pk)
    form["password"] = "Zz-9mnbvcxq"
    form.submit().follow()
    user = User.objects.get(username="caiwu1")
    assert user.department == dept and user.company == world.company
    # a department member without a department is refused
    form = app.get("/org/staff/new/", user=world.city_admin).forms["org-edit"]
    form["username"] = "caiwu2"
    form["role"] = Role.DEPARTMENT_STAFF
    form["company"] = str(world.company.pk)
    assert "必须属于某个部门" in form.submit().text
    assert not User.objects.filter(username="caiwu2").exists()


def test_a_request_dispatched_to_a_department_is_handled_there_and_followed_up_by_the_desk(
    world, app, file_request, logistics
):
    dept, staff = logistics
    sr = file_request(category="delivery", at=timezone.now() - timedelta(minutes=3), text="少送了两条")
    other = file_request(category="delivery", at=timezone.now() - timedelta(minutes=2), text="别的事")
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=timezone.now())
    page = app.get(reverse("servicedesk:detail", args=[sr.pk]), user=world.agent)
    form = page.forms["act-dispatch"]
    options = dict((value, label) for value, _sel, label in form["dispatch-owner"].options)
    assert "物流中心" in options[str(staff.pk)]
    form["dispatch-owner"] = str(staff.pk)
    form.submit().follow()
    sr.refresh_from_db()
    assert sr.owner == staff and sr.department == dept and sr.status == Status.DISPATCHED

    # the department's staff see their department's requests, nothing else of the area
    visible = set(ServiceRequest.objects.visible_to(staff).values_list("pk", flat=True))
    assert sr.pk in visible and other.pk not in visible
    assert app.get(reverse("servicedesk:detail", args=[other.pk]), user=staff, status=404)
    tasks = app.get(reverse("servicedesk:tasks"), user=staff)
    assert sr.reference in text_of(tasks, "[data-testid=tasks-mine]")

    page = app.get(reverse("servicedesk:detail", args=[sr.pk]), user=staff)
    form = page.forms["act-start"]
    form["start-note"] = "查配送记录"
    page = form.submit().follow()
    form = page.forms["act-report"]
    form["report-actions_taken"] = "补送两条"
    form["report-outcome"] = "客户已签收"
    page = form.submit().follow()
    page.forms["act-resolve"].submit().follow()
    sr.refresh_from_db()
    assert sr.status == Status.RESOLVED
    # the desk calls back
    tasks = app.get(reverse("servicedesk:tasks"), user=world.agent)
    assert sr.reference in text_of(tasks, "[data-testid=tasks-follow]")
    form = app.get(reverse("servicedesk:detail", args=[sr.pk]), user=world.agent).forms["act-follow_up"]
    form["follow_up-reached"] = "yes"
    form["follow_up-satisfaction"] = "5"
    form.submit().follow()
    sr.refresh_from_db()
    assert sr.status == Status.FOLLOWED_UP


def test_department_staff_see_no_shops_and_no_unowned_requests(world, app, file_request, logistics):
    _dept, staff = logistics
    file_request()
    assert not ServiceRequest.objects.visible_to(staff).exists()
    from serviceloop.customers.models import Customer

    assert not Customer.objects.visible_to(staff).exists()


def test_a_department_cannot_own_a_tipoff(world, file_request, logistics):
    _dept, staff = logistics
    sr = file_request(kind="report", category="other", actor=world.inspector)
    assert not s.may_own(staff, sr)


def test_a_request_is_dispatched_to_a_department_as_a_whole(world, app, file_request, logistics):
    dept, busy = logistics
    idle = make_user(
        "wuliu2", Role.DEPARTMENT_STAFF, company=world.company, department=dept, full_name="物流小张"
    )
    first = file_request(category="delivery", at=timezone.now() - timedelta(minutes=5))
    s.servicerequest_acknowledge(request=first, actor=world.agent, now=timezone.now())
    s.servicerequest_dispatch(request=first, owner=busy, actor=world.agent, now=timezone.now())
    sr = file_request(category="delivery", at=timezone.now() - timedelta(minutes=3), text="少送了")
    s.servicerequest_acknowledge(request=sr, actor=world.agent, now=timezone.now())
    form = app.get(reverse("servicedesk:detail", args=[sr.pk]), user=world.agent).forms["act-dispatch"]
    labels = {value: label for value, _sel, label in form["dispatch-owner"].options}
    assert "整个部门" in labels[f"d{dept.pk}"]
    form["dispatch-owner"] = f"d{dept.pk}"
    form.submit().follow()
    sr.refresh_from_db()
    assert sr.owner == idle and sr.department == dept  # the member with less open work
