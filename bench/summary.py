"""One table at the end of `make bench`: every figure a benchmark measured, its budget and the ratio.

Each benchmark calls `record(...)` for the figures that have a budget in an issue; the records go to one JSON-lines
file named by BENCH_SUMMARY (the Makefile sets it for the run), and `python bench/summary.py` prints them.
Without BENCH_SUMMARY (a benchmark run by hand) `record` does nothing.
"""

import json
import os
import sys
from pathlib import Path


def record(name: str, value: float, budget: float | None, unit: str, *, lower_is_better: bool = True) -> None:
    """Note one figure; the ratio is value/budget (≤ 1 meets a lower-is-better budget, ≥ 1 a higher-is-better one)."""
    path = os.environ.get("BENCH_SUMMARY")
    if not path:
        return
    row = {"name": name, "value": value, "budget": budget, "unit": unit, "lower_is_better": lower_is_better}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def table(path: Path) -> str:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [f"{'figure':<60} {'value':>12} {'budget':>12} {'ratio':>7}  met", "-" * 100]
    for r in rows:
        budget = r["budget"]
        if budget:
            ratio = r["value"] / budget
            met = ratio <= 1 if r["lower_is_better"] else ratio >= 1
            budget_text, ratio_text, met_text = (
                f"{budget:g} {r['unit']}",
                f"{ratio:.2f}",
                "yes" if met else "NO",
            )
        else:
            budget_text, ratio_text, met_text = "—", "—", ""
        lines.append(
            f"{r['name']:<60} {r['value']:>9.4g} {r['unit']:<2} {budget_text:>12} {ratio_text:>7}  {met_text}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SUMMARY", ""))
    if not target.is_file():
        sys.exit("no benchmark figures were recorded")
    print(table(target))
