from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.utils import timezone

from serviceloop.core.jobs import JOBS, Job, claim, run_due_jobs
from serviceloop.core.models import JobState

pytestmark = pytest.mark.django_db


def test_it_runs_each_due_job_once_for_a_given_now():
    now = timezone.now()
    first = run_due_jobs(now)
    assert set(first) == {job.name for job in JOBS}
    assert run_due_jobs(now) == {}  # idempotent: nothing is due again at the same moment
    assert set(run_due_jobs(now + timedelta(hours=7))) == {job.name for job in JOBS}


def test_it_never_lets_two_runners_hold_one_job():
    now = timezone.now()
    job = Job("frequent", lambda now: "", every=timedelta(minutes=1), lease=timedelta(minutes=10))
    assert claim(job, now) is True
    assert claim(job, now) is False
    assert claim(job, now + timedelta(minutes=2)) is False  # due again, but the first runner still holds it
    assert claim(job, now + timedelta(minutes=11)) is True  # an abandoned lease expires


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
