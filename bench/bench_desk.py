"""Live board and work ledger at city scale: the demo city (a year of requests) at 3,000 and 30,000 shops.

Builds fresh SQLite databases with the demo (or reuses them: BENCH_REUSE=1), serves them with gunicorn on
127.0.0.1 and measures p50/p95 over 240 requests (concurrency 4) as the city admin and an account manager,
with the 1× → 10× ratio. Aim: p95 ≤ 300 ms for the board, ≤ 150 ms for a ledger page.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_list as bl  # noqa: E402  (same gunicorn/login/percentile helpers as the customer-list benchmark)

QUERIES = {
    "live board": "/servicedesk/board/",
    "board refresh (HTMX)": "/servicedesk/board/",
    "ledger first page": "/servicedesk/ledger/",
    "ledger open only": "/servicedesk/ledger/?state=open",
    "ledger search": "/servicedesk/ledger/?q=%E9%80%81%E8%B4%A7",
    "ledger deep page": "/servicedesk/ledger/?page=300",
    "task list": "/servicedesk/",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(customers: int) -> dict:
    db = Path(f"/tmp/bench_desk_{customers}.sqlite3")
    bl.build(db, customers)
    bl.PORT = free_port()  # chosen when the server starts: other benchmarks may be running
    server = subprocess.Popen(
        [
            str(bl.ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{bl.PORT}",
            "--log-level",
            "error",
        ],
        cwd=bl.ROOT,
        env=bl.env_for(db),
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{bl.PORT}/login/")
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        for who in ("admin", "manager"):
            opener = bl.session(who)
            for name, path in QUERIES.items():
                if "HTMX" in name:
                    opener.addheaders = [("HX-Request", "true")]
                results[(who, name)] = bl.measure(opener, path)
                opener.addheaders = []
        return results
    finally:
        server.terminate()
        server.wait()


def main():
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "3000,30000").split(",")]
    table = {n: run(n) for n in sizes}
    big, small = max(sizes), min(sizes)
    print(
        f"\nService desk pages, {bl.REQUESTS} requests per row, concurrency {bl.CONCURRENCY}, gunicorn 2 workers, "
        "SQLite, demo city with a year of requests (1 per shop)"
    )
    print(
        f"{'user':8} {'request':24} "
        + " ".join(f"{f'p50@{n}':>10} {f'p95@{n}':>10}" for n in sizes)
        + (f" {'p95 ratio':>10}" if len(sizes) > 1 else "")
    )
    for key in table[big]:
        cells = " ".join(f"{bl.p(table[n][key], 50):10.1f} {bl.p(table[n][key], 95):10.1f}" for n in sizes)
        ratio = f" {bl.p(table[big][key], 95) / bl.p(table[small][key], 95):10.2f}" if len(sizes) > 1 else ""
        print(f"{key[0]:8} {key[1]:24} {cells}{ratio}")


if __name__ == "__main__":
    sys.exit(main())
