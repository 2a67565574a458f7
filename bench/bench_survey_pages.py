"""Survey results pages at city scale: the analysis of one wave read from the database, uncached and cached.

Builds a fresh SQLite database (``$TMPDIR/bench_survey_pages.sqlite3``; BENCH_REUSE=1 reuses it) with a 12,000-shop demo city, then three waves of the
trade questionnaire (26 scored items in 7 dimensions + overall, choice and text items) answered by 1,000,
3,000 and 10,000 shops (synthetic answers with planted structure). For each: loading the answers into
frames, the full uncached analysis (index, gaps, descriptives, alpha, EFA with KMO/Bartlett, drivers,
segments, wave comparison), a cached results page (test client, city admin) and the raw-answer Excel export.
Medians of repeated runs, in ms, with the 1× → 10× ratio. BLAS is pinned to one thread as in web workers.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(os.environ.get("BENCH_DB") or Path(tempfile.gettempdir()) / "bench_survey_pages.sqlite3")
os.environ.update(
    DATABASE_URL=f"sqlite:///{DB}",
    SERVICELOOP_DEV="1",
    DJANGO_SETTINGS_MODULE="config.settings",
    STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
)

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

SIZES = (1_000, 3_000, 10_000)
NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    from serviceloop.core.demo import demo_build
    from serviceloop.org.models import Company, User
    from serviceloop.surveys.analysis import _compute, previous_wave, wave_data, wave_results
    from serviceloop.surveys.demo import fill_answers
    from serviceloop.surveys.models import Questionnaire, TargetMode, Wave, WaveStatus, WaveTarget
    from serviceloop.surveys.services import wave_create, wave_draw_targets, wave_transition

    t = time.perf_counter()
    reuse = os.environ.get("BENCH_REUSE") and DB.exists()
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        demo_build(customers=12_000, seed=1, now=NOW)
        print(
            f"built a 12,000-shop demo city in {time.perf_counter() - t:.1f} s (load {os.getloadavg()[0]:.1f})"
        )
    company = Company.objects.get()
    admin = User.objects.get(username="admin")
    trade = Questionnaire.objects.filter(code="trade").order_by("-version").first()
    waves = {}
    for i, n in enumerate(SIZES):
        existing = Wave.objects.filter(name=f"bench {n}").first()
        if existing is not None:
            waves[n] = existing
            continue
        wave = wave_create(
            company=company,
            questionnaire=trade,
            actor=None,
            now=NOW,
            data={
                "name": f"bench {n}",
                "period_start": dt.date(2027, 1 + i, 1),
                "period_end": dt.date(2027, 1 + i, 20),
                "target_mode": TargetMode.SAMPLE,
                "sample_size": n,
                "seed": n,
            },
        )
        wave_draw_targets(wave=wave, actor=None, now=NOW)
        wave_transition(wave=wave, to=WaveStatus.OPEN, actor=None, now=NOW)
        targets = list(WaveTarget.objects.filter(wave=wave).order_by("id"))
        fill_answers(wave=wave, targets=targets, rng=random.Random(n), seed=n, moment=NOW)
        waves[n] = wave
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    rows = {}
    for n, wave in waves.items():
        compare = previous_wave(wave)
        load = median_ms(lambda w=wave: wave_data(w, admin), 5)
        full = median_ms(lambda w=wave, c=compare: _compute(w, admin, segment="branch", compare=c), 3)
        cache.clear()
        client.get(f"/surveys/{wave.pk}/results/")  # fills the cache
        page = median_ms(lambda w=wave: client.get(f"/surveys/{w.pk}/results/"), 10)
        export = median_ms(
            lambda w=wave: b"".join(client.get(f"/surveys/{w.pk}/answers.xlsx").streaming_content), 2
        )
        assert wave_results(wave, admin, compare=compare)["n"] == n
        rows[n] = (load, full, page, export)
    print()
    print(
        f"{'answers':>8} | {'load frames':>11} | {'full analysis':>13} | {'cached page':>11} | {'raw xlsx':>9}"
    )
    print("-" * 66)
    for n, (load, full, page, export) in rows.items():
        print(f"{n:>8,} | {load:>8.0f} ms | {full:>10.0f} ms | {page:>8.0f} ms | {export:>6.0f} ms")
    base, top = rows[SIZES[0]], rows[SIZES[-1]]
    ratios = " | ".join(f"{b / a:.1f}×" for a, b in zip(base, top, strict=True))
    print(f"{'10×/1× ':>8} | {ratios}")
    print(f"(medians; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
