"""Lean processes: start-up time and memory of management commands and gunicorn workers (issue 16).

Builds a demo city with ``manage.py demo --customers 3000`` into a temporary SQLite file
(``$TMPDIR/bench_startup.sqlite3``; BENCH_REUSE=1 reuses it) and measures, each as the median of several runs:

- ``manage.py check``: wall time and peak resident memory of the whole process (budget ≤ 1 s);
- the commands ``make run`` runs before it serves (``migrate``, ``demo --logins``) and ``run_jobs --once``;
  the resident memory of its other long-running processes (``run_jobs``, the task worker ``db_worker``);
- gunicorn (2 workers, a free port on 127.0.0.1): time until the first page answers, then 200 requests
  (concurrency 2) over the main staff pages as the city admin (home, customers, service desk task list,
  ledger and board, tags, visits, survey list) and the public pages (QR page ``/s/<token>/``, tracking
  ``/t/<token>/``) — none needs statistics; each worker's resident memory after them (budget ≤ 100 MB) and
  the median time of each page;
- the first survey-results request of a fresh worker (1 worker: the statistics stack is imported, if the
  code imports it lazily, and the analysis is computed), against a warm worker computing another segment
  (same work without the import) and a cached page, and the worker's memory once the stack is loaded; and
  likewise the first view of a wave's page (it shows the recommended sample size).

Process figures also give CPU seconds (user + system): on a shared machine the wall time swings with the
load, the CPU time much less. BENCH_BASELINE=<git ref> (e.g. ``main``) also measures that commit — exported
with ``git archive`` into a temporary folder, run with this tree's virtualenv — taking turns with this tree
run by run and request by request, and prints both with the ratio. BLAS is pinned to one thread as in web
workers (the Makefile does the same).
"""

import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DB = Path(os.environ.get("BENCH_DB") or Path(tempfile.gettempdir()) / "bench_startup.sqlite3")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
REQUESTS = 200
CONCURRENCY = 2
BUDGET_CHECK_S = 1.0
BUDGET_WORKER_MB = 100.0
FIRST_REPEATS = int(os.environ.get("BENCH_FIRST_REPEATS", "3"))
COMMANDS = {
    "check": ["manage.py", "check"],
    "migrate": ["manage.py", "migrate", "-v0"],  # what make run runs before it serves
    "demo --logins": ["manage.py", "demo", "--logins"],
    "run_jobs --once": ["manage.py", "run_jobs", "--once"],
}
# The long-running processes of `make run` besides gunicorn: resident memory a few seconds after start.
RESIDENT = {
    "run_jobs (loop)": ["manage.py", "run_jobs"],
    "db_worker (tasks)": ["manage.py", "db_worker", "--interval", "1"],
}
RESIDENT_AFTER_S = 8
SEGMENTS = ("station", "market_type", "retail_format", "stars")  # each a cache miss: computed again
STAFF_PAGES = {
    "home": "/",
    "customers list": "/customers/",
    "task list": "/servicedesk/",
    "ledger": "/servicedesk/ledger/",
    "board": "/servicedesk/board/",
    "tags": "/tags/",
    "visits": "/visits/",
    "survey list": "/surveys/",
}
# The public links and the largest answered wave, made idempotently in the demo database.
FIXTURES = """
from django.db.models import Count, Q
from django.utils import timezone
from serviceloop.customers.models import Customer
from serviceloop.portal.services import trackingtoken_ensure
from serviceloop.portal.services import shoptoken_ensure
from serviceloop.servicedesk.models import ServiceRequest
from serviceloop.surveys.models import AnswerStatus, Wave
now = timezone.now()
shop = Customer.objects.order_by("id").first()
request = ServiceRequest.objects.filter(shop__isnull=False).order_by("id").first()
wave = Wave.objects.annotate(n=Count("answers", filter=Q(answers__status=AnswerStatus.SUBMITTED))).order_by("-n").first()
print(shoptoken_ensure(customer=shop, actor=None, now=now).value)
print(trackingtoken_ensure(service_request=request, now=now).value)
print(wave.pk, wave.n)
"""


def env_for() -> dict:
    # Compiled modules are cached as any deployment does (some shells here set PYTHONDONTWRITEBYTECODE, which
    # compiles every project module again in every process: +0.3 s per start).
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "DATABASE_URL": f"sqlite:///{DB}",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PORTAL_RATE_SHOP_PER_HOUR": "1000000",
        "PORTAL_RATE_ADDRESS_PER_HOUR": "1000000",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore:No directory at",  # WhiteNoise: no collectstatic for benchmarks
    }


def build() -> None:
    if DB.exists() and os.environ.get("BENCH_REUSE"):
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env_for(), check=True)
    t = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "demo", "--customers", "3000", "--seed", "1"],
        cwd=ROOT,
        env=env_for(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"built a 3,000-shop demo city in {time.perf_counter() - t:.1f} s (load {os.getloadavg()[0]:.1f})")


def baseline_tree(ref: str) -> Path:
    """``ref`` exported into a temporary folder, with this tree's compiled translations (git ignores them)."""
    folder = Path(tempfile.mkdtemp(prefix="bench_startup_base_"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    for mo in ROOT.glob("**/locale/*/LC_MESSAGES/*.mo"):
        relative = mo.relative_to(ROOT)
        if relative.parts[0] not in {".venv", "node_modules"} and (folder / relative).parent.is_dir():
            shutil.copy2(mo, folder / relative)
    return folder


def process(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident MB of one run of ``python <args>``."""
    t = time.perf_counter()
    proc = subprocess.Popen([PY, *args], cwd=cwd, env=env_for(), stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def resident_mb(args: list[str], cwd: Path) -> float | None:
    """Resident MB of ``python <args>`` after RESIDENT_AFTER_S seconds; None if it is not running then."""
    proc = subprocess.Popen(
        [PY, *args], cwd=cwd, env=env_for(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(RESIDENT_AFTER_S)
        return rss_mb(proc.pid) if proc.poll() is None else None
    finally:
        proc.terminate()
        proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


class Server:
    """gunicorn on a free loopback port; ``ready`` is the seconds until the login page first answered."""

    def __init__(self, cwd: Path, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        t = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",  # as make run: a loaded machine can take 30 s to import the old start-up path
                "120",
                "--log-level",
                "error",
            ],
            cwd=cwd,
            env=env_for(),
        )
        deadline = time.time() + 120
        while True:
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("gunicorn did not start")
            try:
                urllib.request.urlopen(f"{self.base}/login/").read()
                break
            except OSError:
                time.sleep(0.05)
        self.ready = time.perf_counter() - t

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return sorted(int(c) for c in children)

    def login(self, username: str = "admin") -> urllib.request.OpenerDirector:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(f"{self.base}/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"username": username, "password": "demo12345", "csrfmiddlewaretoken": token}
        )
        with opener.open(
            urllib.request.Request(
                f"{self.base}/login/", data.encode(), headers={"Referer": f"{self.base}/login/"}
            )
        ) as r:
            assert "/login/" not in r.url, "log-in failed"
        return opener

    def get_ms(self, opener, path: str) -> float:
        t = time.perf_counter()
        with opener.open(f"{self.base}{path}") as r:
            r.read()
            assert r.status == 200, (path, r.status)
        return (time.perf_counter() - t) * 1000

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def measure(trees: dict[str, Path], shop_token: str, track_token: str, wave: int) -> dict[str, dict]:
    """Every figure for every tree, taking turns run by run, so that a change in the machine's load (other
    engineers share it) falls on all trees alike."""
    out: dict[str, dict] = {label: {} for label in trees}
    for name, args in COMMANDS.items():
        if name == "run_jobs --once":  # the first run does the due jobs; the timed ones find none due
            for cwd in trees.values():
                process(args, cwd)
        runs = {label: [] for label in trees}
        for _ in range(RUNS):
            for label, cwd in trees.items():
                runs[label].append(process(args, cwd))
        for label in trees:
            out[label][name] = tuple(statistics.median(r[i] for r in runs[label]) for i in range(3))

    for name, args in RESIDENT.items():
        for label, cwd in trees.items():
            out[label][name] = resident_mb(args, cwd)

    readies = {label: [] for label in trees}
    pages = {label: {} for label in trees}
    for round_ in range(2):  # two server starts each: the start-up time is noisy on a shared machine
        servers = {}
        try:
            for label, cwd in list(trees.items()) if round_ == 0 else list(trees.items())[::-1]:
                servers[label] = Server(cwd, workers=2)  # started one at a time, so each starts alone
                readies[label].append(servers[label].ready)
            openers = {}
            for label, server in servers.items():
                openers[label] = (server.login(), urllib.request.build_opener())
            paths = [(0, name, path) for name, path in STAFF_PAGES.items()]
            paths += [(1, "QR page", f"/s/{shop_token}/"), (1, "tracking page", f"/t/{track_token}/")]
            for label, server in servers.items():  # every page once before timing (template compilation)
                for who, _name, path in paths:
                    server.get_ms(openers[label][who], path)

            def one(job, servers=servers, openers=openers):  # the same page from every tree in turn
                who, name, path = job
                return name, {label: s.get_ms(openers[label][who], path) for label, s in servers.items()}

            jobs = [paths[i % len(paths)] for i in range(REQUESTS)]
            with ThreadPoolExecutor(CONCURRENCY) as pool:
                for name, times in pool.map(one, jobs):
                    for label, ms in times.items():
                        pages[label].setdefault(name, []).append(ms)
            for label, server in servers.items():
                out[label]["worker rss"] = [rss_mb(pid) for pid in server.workers()]
        finally:
            for server in servers.values():
                server.stop()
    for label in trees:
        out[label]["gunicorn ready"] = statistics.median(readies[label])
        out[label]["pages"] = {name: statistics.median(ms) for name, ms in pages[label].items()}

    # A fresh single worker per measurement, so that "first" is the first page that process serves after
    # log-in; repeated and the median taken.
    for key, path, warm in (
        ("wave", f"/surveys/{wave}/", [f"/surveys/{wave}/"] * 5),
        ("results", f"/surveys/{wave}/results/", [f"/surveys/{wave}/results/?segment={s}" for s in SEGMENTS]),
    ):
        samples = {label: [] for label in trees}
        for _ in range(FIRST_REPEATS):
            for label, cwd in trees.items():
                server = Server(cwd, workers=1)
                try:
                    staff = server.login()
                    (pid,) = server.workers()
                    before = rss_mb(pid)
                    first = server.get_ms(staff, path)
                    after = rss_mb(pid)
                    warm_ms = statistics.median(server.get_ms(staff, p) for p in warm)
                    cached = statistics.median(server.get_ms(staff, path) for _ in range(5))
                    samples[label].append((first, warm_ms, cached, before, after))
                finally:
                    server.stop()
        for label in trees:
            first, warm_ms, cached, before, after = (
                statistics.median(s[i] for s in samples[label]) for i in range(5)
            )
            out[label].update(
                {
                    f"{key} first": first,
                    f"{key} warm": warm_ms,
                    f"{key} cached": cached,
                    f"{key} rss": (before, after),
                }
            )
    return out


def main() -> None:
    build()
    lines = subprocess.run(
        [PY, "manage.py", "shell", "-v0", "-c", FIXTURES],
        cwd=ROOT,
        env=env_for(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-4:]
    shop_token, track_token, wave, answers = lines[0], lines[1], int(lines[2]), int(lines[3])
    trees = {"this tree": ROOT}
    ref = os.environ.get("BENCH_BASELINE")
    if ref:
        trees[ref] = baseline_tree(ref)
    try:
        results = measure(trees, shop_token, track_token, wave)
    finally:
        if ref:
            shutil.rmtree(trees[ref], ignore_errors=True)
    now, base = results["this tree"], results.get(ref)

    def row(label: str, unit: str, value, other=None, budget: str = "") -> None:
        def cell(v):
            return f"{v:>10.2f} {unit:3}" if v is not None else f"{'—':>10} {unit:3}"

        cells = f"{label:34} {cell(value)}"
        if base is not None:
            ratio = f"{value / other:>8.2f}×" if value is not None and other else f"{'—':>9}"
            cells += f" {cell(other)} {ratio}"
        print(f"{cells}  {budget}")

    print(f"\nStart-up and memory; demo city of 3,000 shops (SQLite); medians of {RUNS} runs")
    head = f"{'':34} {'this tree':>14}"
    if base is not None:
        head += f" {ref:>14} {'ratio':>9}"
    print(head + "  budget")
    print("-" * len(head + "  budget"))
    for name in COMMANDS:
        (wall, cpu, peak), other = now[name], base[name] if base else (None, None, None)
        budget = f"≤ {BUDGET_CHECK_S:.0f} s: {wall / BUDGET_CHECK_S:.2f} of budget" if name == "check" else ""
        row(f"manage.py {name}, wall", "s", wall, other[0], budget)
        cpu_budget = (
            f"≤ {BUDGET_CHECK_S:.0f} s: {cpu / BUDGET_CHECK_S:.2f} of budget" if name == "check" else ""
        )
        row(f"manage.py {name}, CPU", "s", cpu, other[1], cpu_budget)
        row(f"manage.py {name}, peak RSS", "MB", peak, other[2])
    for name in RESIDENT:
        row(f"{name}, RSS after {RESIDENT_AFTER_S} s", "MB", now[name], base and base[name])
    row("gunicorn start → first page", "s", now["gunicorn ready"], base and base["gunicorn ready"])
    for i, mb in enumerate(now["worker rss"]):
        row(
            f"worker {i + 1} RSS after {REQUESTS} requests",
            "MB",
            mb,
            base and base["worker rss"][i],
            f"≤ {BUDGET_WORKER_MB:.0f} MB: {mb / BUDGET_WORKER_MB:.2f} of budget",
        )
    print(f"\nPage medians over {REQUESTS} requests (concurrency {CONCURRENCY}, two server starts), ms")
    for name, ms in now["pages"].items():
        row(name, "ms", ms, base and base["pages"][name])
    print(
        f"\nSurvey pages of a wave with {answers:,} answers, first request of a fresh worker (1 worker), ms"
    )
    row("wave page, first request", "ms", now["wave first"], base and base["wave first"])
    row("wave page, warm", "ms", now["wave warm"], base and base["wave warm"])
    row("worker RSS after wave page", "MB", now["wave rss"][1], base and base["wave rss"][1])
    row("results, first request after start", "ms", now["results first"], base and base["results first"])
    row("results, warm, another segment", "ms", now["results warm"], base and base["results warm"])
    row("results, warm, cached", "ms", now["results cached"], base and base["results cached"])
    row(
        "first − warm (import price)",
        "ms",
        now["results first"] - now["results warm"],
        base and (base["results first"] - base["results warm"]),
    )
    row("worker RSS before results", "MB", now["results rss"][0], base and base["results rss"][0])
    row("worker RSS after results", "MB", now["results rss"][1], base and base["results rss"][1])
    print(f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
