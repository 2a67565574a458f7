"""Customer list page at city scale: 30,000 shops, p50/p95 over ≥ 200 requests on loopback.

Builds a fresh SQLite database with the demo city (or reuses it: BENCH_REUSE=1), serves it with gunicorn
on 127.0.0.1, logs in as the city admin and an account manager, and sends a bounded number of requests
from a thread pool (concurrency 4). Prints a table of latencies per kind of request and the 1× → 10×
ratio (3,000 vs 30,000 shops). Aim: p95 ≤ 150 ms.
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

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8765
REQUESTS = 240
CONCURRENCY = 4
QUERIES = {
    "first page": "/customers/",
    "search (name)": "/customers/?q=%E4%BE%BF%E5%88%A9",
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


def run(customers: int) -> dict:
    db = Path(f"/tmp/bench_list_{customers}.sqlite3")
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
    print(f"\nworst p95 at {big} shops: {worst:.1f} ms (aim ≤ 150 ms)")


if __name__ == "__main__":
    sys.exit(main())
