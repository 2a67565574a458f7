"""The drop folder: other systems export nightly into ``TRADE_DROP_FOLDER/<kind>/`` and the job imports.

Layout: ``products/``, ``orders/``, ``deliveries/``, ``settlements/`` (kinds in that order, so that the orders
a delivery file refers to are in first); files in name order (exports are usually date-stamped). Each file
becomes one batch, imported or refused as a whole, then moves to ``done/`` or ``refused/`` beside it with the
batch number in its name, so that a file is never picked up twice and a refused file is there to look at.
A file still being written (changed in the last minute) is left for the next run.
"""

import datetime as dt
from pathlib import Path

from .conf import drop_folder
from .models import BatchKind, BatchSource, BatchStatus

KINDS = (BatchKind.PRODUCTS, BatchKind.ORDERS, BatchKind.DELIVERIES, BatchKind.SETTLEMENTS)
SETTLE_SECONDS = 60


def pick_up_drop_folder(now: dt.datetime, *, folder: Path | None = None) -> str:
    from .importing import import_trade_file

    root = folder or drop_folder()
    done = []
    for kind in KINDS:
        inbox = root / kind
        if not inbox.is_dir():
            continue
        for path in sorted(
            p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx")
        ):
            if now.timestamp() - path.stat().st_mtime < SETTLE_SECONDS:
                continue
            batch = import_trade_file(
                file=path, kind=kind, now=now, source=BatchSource.FOLDER, filename=path.name
            )
            target = inbox / ("done" if batch.status == BatchStatus.COMMITTED else "refused")
            target.mkdir(exist_ok=True)
            path.rename(target / f"{path.stem}.batch{batch.pk}{path.suffix}")
            done.append(f"{kind}/{path.name}: #{batch.pk} {batch.status}")
    return "; ".join(done) or "nothing to import"
