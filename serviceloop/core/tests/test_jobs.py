from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone

from serviceloop.core.jobs import Job, claim, run_due_jobs, schedule
from serviceloop.core.models import JobState

pytestmark = pytest.mark.django_db


def test_it_runs_each_due_job_once_for_a_given_now():
    now = timezone.now()
    first = run_due_jobs(now)
    assert set(first) == {job.name for job in schedule()}
    assert run_due_jobs(now) == {}  # idempotent: nothing is due again at the same moment
    assert set(run_due_jobs(now + timedelta(hours=7))) == {
        j.name for j in schedule() if j.every <= timedelta(hours=7)
    }


def test_it_never_lets_two_runners_hold_one_job():
    now = timezone.now()
    job = Job("frequent", lambda now: "", every=timedelta(minutes=1), lease=timedelta(minutes=10))
    assert claim(job, now) is not None
    assert claim(job, now) is None
    assert claim(job, now + timedelta(minutes=2)) is None  # due again, but the first runner still holds it
    assert claim(job, now + timedelta(minutes=11)) is not None  # an abandoned lease expires


def test_a_runner_that_outlived_its_lease_does_not_release_the_next_runners_lease(settings):
    """Runner A is stuck past its lease; runner B takes the job meanwhile; when A finally finishes, B still
    holds the lease, so a third runner cannot start the job while B runs it."""
    now = timezone.now()
    taken_by_b = []

    def slow(at):  # runs in A; while it runs, B (eleven minutes later) takes the expired lease
        taken_by_b.append(claim(job, at + timedelta(minutes=11)))
        return "done late"

    job = Job("slow", slow, every=timedelta(minutes=1), lease=timedelta(minutes=10))
    settings.JOBS = [(job.name, job.func, job.every, job.lease)]
    assert run_due_jobs(now) == {"slow": "done late"}
    assert taken_by_b[0] is not None
    assert JobState.objects.get(name="slow").locked_by == taken_by_b[0]
    assert claim(job, now + timedelta(minutes=12)) is None


def test_every_scheduled_job_names_a_function_that_takes_now():
    """The schedule names its functions by dotted path: a typo would only fail at the runner's first tick."""
    import inspect

    from django.utils.module_loading import import_string

    for job in schedule():
        assert list(inspect.signature(import_string(job.func)).parameters)[:1] == ["now"], job.name


def test_it_clears_expired_sessions():
    store = SessionStore()
    store.set_expiry(1)
    store.create()
    run_due_jobs(timezone.now() + timedelta(days=1))
    assert JobState.objects.get(name="clear_expired_sessions").last_result == "removed 1 expired session(s)"


def test_it_purges_unconfirmed_import_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    old = tmp_path / "imports" / "old.xlsx"
    old.write_bytes(b"x")
    run_due_jobs(timezone.now() + timedelta(days=2))
    assert not old.exists()


def test_it_runs_from_the_command_with_a_given_now(capsys):
    call_command("run_jobs", "--once", "--now", "2026-11-23T08:00:00+08:00")
    assert "purge_stale_uploads" in capsys.readouterr().out
    call_command("run_jobs", "--now", "2026-11-23T08:00:00+08:00")
    assert "没有到期的任务" in capsys.readouterr().out
