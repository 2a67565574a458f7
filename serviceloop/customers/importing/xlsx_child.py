"""Child process that reads an xlsx workbook with calamine (Rust) and streams its rows to the parent.

Run by ``reader.py`` as ``python -I xlsx_child.py PATH MAX_COLUMNS TOP_ROWS``; imports only the standard library and
python_calamine (no Django), so it starts in tens of milliseconds.

Why a child: calamine reads the city's customer file ten times faster than openpyxl, but it builds the whole
cell range in memory, sized by the cells' addresses. A single crafted cell at XFD1048576 makes it ask for
512 GiB and abort the process (SIGABRT, not an exception) — in a web or job worker that would be every
request on it. Here the abort, or the address-space limit set below, ends only this child, and the parent reads
the file with openpyxl instead (which streams, and refuses a sheet of more rows than the import allows).

Protocol, pickled frames on stdout, answers as lines on stdin:
  ("error", text)                   calamine cannot open the file (the parent falls back to openpyxl)
  ("sheet", index, name, top_rows)  the parent answers "take" (stream this sheet) or "next"
  ("rows", [row, …])                the taken sheet, from line 1, in chunks; cells are None/str/int/float/bool/date…
  ("broken", text)                  a sheet's XML cannot be read
  ("end",)                          after the last chunk; when every sheet got "next", sheet 0 is streamed
"""

import itertools
import pickle
import resource
import sys
from datetime import date, datetime

ADDRESS_SPACE = 1024**3  # a 140,000-row province file peaked at 265 MB; a sparse-range bomb stops here
CPU_SECONDS = 300
CHUNK = 2000
MAX_CELLS = 10_000_000  # a province file is ~4 million; beyond, openpyxl reads only the cells the file holds


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _value(c):
    """A cell as openpyxl gives it: None for empty, int for a whole number, datetime for a date."""
    kind = type(c)
    if kind is str:
        return c or None
    if kind is float:
        return int(c) if c.is_integer() else c
    if kind is date:
        return datetime(c.year, c.month, c.day)
    return c


def _rows(sheet, max_columns: int):
    # calamine pads the rows above the first used cell but starts each row at the first used column: pad it
    # back, so column indexes and the line numbers in error messages are the spreadsheet's own.
    pad = (None,) * sheet.start[1] if sheet.height else ()
    for cells in sheet.iter_rows():
        yield (pad + tuple(map(_value, cells)))[:max_columns]


def main() -> None:
    path, max_columns, top_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    _limit()
    out = sys.stdout.buffer

    def send(frame) -> None:
        pickle.dump(frame, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(path)
        names = workbook.sheet_names
    except (CalamineError, ValueError, OSError) as exc:
        send(("error", f"{type(exc).__name__}: {exc}"))
        return
    taken = None
    try:
        for index, name in enumerate(names):
            sheet = workbook.get_sheet_by_index(index)
            send(("sheet", index, name, list(itertools.islice(_rows(sheet, max_columns), top_rows))))
            if sys.stdin.readline().strip() == "take":
                taken = sheet
                break
        if taken is None and names:
            taken = workbook.get_sheet_by_index(0)
        if taken is not None and taken.height * taken.width > MAX_CELLS:
            # A few far-apart cells make a vast range that calamine fills in: every empty cell of it would be
            # sent and parsed. openpyxl's reading yields only the cells the file holds.
            send(("error", f"range of {taken.height:,} × {taken.width:,} cells"))
            return
    except (CalamineError, ValueError) as exc:  # broken sheet XML, bad cell values
        send(("broken", f"{type(exc).__name__}: {exc}"))
        return
    chunk = []
    for cells in _rows(taken, max_columns) if taken is not None else ():
        chunk.append(cells)
        if len(chunk) >= CHUNK:
            send(("rows", chunk))
            chunk = []
    if chunk:
        send(("rows", chunk))
    send(("end",))


if __name__ == "__main__":
    main()
