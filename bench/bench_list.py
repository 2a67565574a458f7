"""Customer list page at city scale: 30,000 shops, p50/p95 over ≥ 200 requests on loopback.

Builds a fresh SQLite database with the demo city (or reuses it: BENCH_REUSE=1), serves it with gunicorn
on 127.0.0.1, logs in as the city admin and an account manager, and sends a bounded number of requests
from a thread pool (concurrency 4). Prints a table of latencies per kind of request and the 1× → 10×
ratio (3,000 vs 30,000 shops). Aim: p95 ≤ 150 ms.

Issue 14 adds the server CPU per request, which load disturbs least: the same requests in one process with the
test client (`time.process_time`, median of 15 after 3 warm-up), budget ≤ 50 ms at 30,000 shops, recorded with
`summary.record`. BENCH_DB_DIR puts the databases elsewhere than /tmp.

Figures (2026-12-02 ~17:00 UTC, helper `province`; 2 cores, load average 14–15 from 7 workers: every figure is
inflated, /work/ alone cost 18 ms and the first page at 3,000 shops 49–56 ms against 22.7 ms in the issue under
lighter load). Databases with the demo city's org, staff and shops only (DemoCity build_org/build_staff/
build_customers, no history or trade: the full `demo` build did not finish in 10 min under this load); same
requests as CPU_SCRIPT, median of 10 after 2 warm-up, time.process_time, admin | manager, ms:

    request                        3,000 shops     30,000 shops    before (30,000, same day, load 9–10)
    first page                     56.1 | 49.3     63.2 | 45.7     87.7 | 74.9
    search "便利" (8,373 matches)   68.6 | 40.3     82.6 | 48.8     102.9 | 75.6
    search "桃家店村" (20 matches)  48.3 | 26.3     91.4 | 36.1     117.7 | 45.7 (another rare term)
    filter stars+format+market     61.0 | 61.3     67.7 | 72.5     161.7 | 99.8
    deep page (400)                56.6 | 48.4     73.6 | 37.6     109.0 | 70.6
    sort by grade                  66.4 | 65.5     55.2 | 46.6     79.9 | 71.4

Growth 3,000 → 30,000 under the same load: 0.7–1.3×, except the rare search (1.9×: SQLite has no index for
LIKE '%…%' and reads every shop once). The ≤ 50 ms budget is not shown met at this load (worst 91 ms); at
the load of the issue's 22.7 ms the same ratio would put the worst near 40 ms, an estimate, not a measurement.
What changed (issue 14): keys-first pages (deferred join: the offset walks the licence index, 30 rows
joined), a text search counted up to 2,000 with one read (1,000 since: see bench_province), `only()` the columns shown and no account manager
join, the route/station/branch options load id and name only, no DISTINCT for plain-column filters.
"""

import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from summary import record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8765
REQUESTS = 240
CONCURRENCY = 4
QUERIES = {
    "first page": "/customers/",
    "search (name)": "/customers/?q=%E4%BE%BF%E5%88%A9",
    "search (rare)": "/customers/?q=%E6%A1%83%E5%AE%B6%E5%BA%97%E6%9D%91",  # 桃家店村, 20 shops of 30,000
    "filter (stars+format)": "/customers/?stars=4&retail_format=B&market_type=C",
    "deep page": "/customers/?page=400",
    "sort by grade": "/customers/?ordering=-grade",
}


def env_for(db: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }


def build(db: Path, customers: int) -> None:
    if db.exists() and os.environ.get("BENCH_REUSE"):
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = env_for(db)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    t = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "demo", "--customers", str(customers), "--seed", "1"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"built demo city with {customers} shops in {time.perf_counter() - t:.1f} s")


def session(username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{PORT}"
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": "demo12345", "csrfmiddlewaretoken": token}
    )
    opener.open(
        urllib.request.Request(f"{base}/login/", data.encode(), headers={"Referer": f"{base}/login/"})
    )
    return opener


def measure(opener, path: str) -> list[float]:
    url = f"http://127.0.0.1:{PORT}{path}"

    def one(_):
        t = time.perf_counter()
        with opener.open(url) as r:
            r.read()
            assert r.status == 200
        return (time.perf_counter() - t) * 1000

    for _ in range(5):  # warm-up
        one(None)
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(one, range(REQUESTS)))


def p(values, q):
    return statistics.quantiles(values, n=100)[q - 1]


CPU_SCRIPT = """
import statistics, time
from django.test import Client
from serviceloop.org.models import User
out = {}
for who in ("admin", "manager"):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=who))
    for name, path in QUERIES.items():
        times = []
        for i in range(18):
            t = time.process_time()
            assert client.get(path).status_code == 200
            if i >= 3:
                times.append((time.process_time() - t) * 1000)
        out[f"{who}|{name}"] = statistics.median(times)
print("CPU", out)
"""


def cpu_per_request(customers: int) -> dict:
    """Median CPU ms per request kind, in one process (no server, no network)."""
    import ast

    db = Path(os.environ.get("BENCH_DB_DIR", "/tmp")) / f"bench_list_{customers}.sqlite3"
    script = CPU_SCRIPT.replace("QUERIES", repr(QUERIES))
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env_for(db),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = ast.literal_eval(out.split("CPU ", 1)[1].strip())
    return {tuple(k.split("|")): v for k, v in found.items()}


def run(customers: int) -> dict:
    db = Path(os.environ.get("BENCH_DB_DIR", "/tmp")) / f"bench_list_{customers}.sqlite3"
    build(db, customers)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env_for(db),
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/")
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for who in ("admin", "manager"):
            opener = session(who)
            for name, path in QUERIES.items():
                results[(who, name)] = measure(opener, path)
        return results
    finally:
        server.terminate()
        server.wait()


def main():
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "3000,30000").split(",")]
    table = {n: run(n) for n in sizes}
    big, small = max(sizes), min(sizes)
    print(
        f"\nCustomer list page, {REQUESTS} requests per row, concurrency {CONCURRENCY}, gunicorn 2 workers, SQLite"
    )
    print(
        f"{'user':8} {'request':24} "
        + " ".join(f"{f'p50@{n}':>10} {f'p95@{n}':>10}" for n in sizes)
        + (f" {'p95 ratio':>10}" if len(sizes) > 1 else "")
    )
    for key in table[big]:
        cells = " ".join(f"{p(table[n][key], 50):10.1f} {p(table[n][key], 95):10.1f}" for n in sizes)
        ratio = f" {p(table[big][key], 95) / p(table[small][key], 95):10.2f}" if len(sizes) > 1 else ""
        print(f"{key[0]:8} {key[1]:24} {cells}{ratio}")
    worst = max(p(v, 95) for v in table[big].values())
    print(f"\nworst p95 at {big} shops: {worst:.1f} ms (aim ≤ 150 ms); load average {os.getloadavg()[0]:.1f}")
    cpu = {n: cpu_per_request(n) for n in sizes}
    print("\nServer CPU per request (median, one process; the machine may be loaded: read the ratios)")
    print(f"{'user':8} {'request':24} " + " ".join(f"{f'CPU@{n}':>10}" for n in sizes))
    for key in cpu[big]:
        print(f"{key[0]:8} {key[1]:24} " + " ".join(f"{cpu[n][key]:10.1f}" for n in sizes))
    worst_cpu = max(cpu[big].values())
    print(f"worst CPU at {big} shops: {worst_cpu:.1f} ms (budget ≤ 50 ms)")
    record(f"customer list: worst CPU per request at {big} shops", worst_cpu, 50, "ms")
    if len(sizes) > 1:
        growth = max(cpu[big][k] / cpu[small][k] for k in cpu[big])
        record(f"customer list: CPU growth {small} → {big} shops (worst)", growth, 2, "×")


if __name__ == "__main__":
    sys.exit(main())
