"""The fast way to read an xlsx sheet: calamine in a child process (see ``xlsx_child.py`` for why a child).

``calamine_sheet`` returns None whenever calamine does not get as far as streaming the sheet — it cannot
open the file, a sheet's XML is broken, the child is killed by its memory limit or aborts, or cannot start.
The caller then reads the file with openpyxl, which streams in bounded memory and gives the errors users
already know, so calamine only ever makes a file faster to read, never refused.
"""

import logging
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

CHILD = Path(__file__).with_name("xlsx_child.py")


class _Child:
    def __init__(self, path: Path, *, max_columns: int, top_rows: int):
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close(), after the child)
        # -I: the child sees neither PYTHONPATH nor the working directory, only the interpreter's packages.
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD), str(path), str(max_columns), str(top_rows)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )

    def receive(self):
        """The child's next frame, or None if it died (or wrote something that is not one)."""
        try:
            # The frames come from our own child, which pickles the cell values calamine gave it: no file
            # content reaches the unpickler as opcodes.
            return pickle.load(self.process.stdout)  # noqa: S301
        except (EOFError, pickle.UnpicklingError, OSError, ValueError):
            return None

    def answer(self, word: str) -> None:
        self.process.stdin.write(word.encode() + b"\n")
        self.process.stdin.flush()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            stream.close()

    def why(self) -> str:
        self.process.wait()
        self.stderr.seek(0)
        tail = self.stderr.read()[-300:].decode(errors="replace").strip()
        return f"exit {self.process.returncode}; {tail}"


def calamine_sheet(
    path: Path, header_test: Callable, *, max_columns: int, top_rows: int
) -> tuple[int, str, Iterator[tuple]] | None:
    """(index, name, rows from line 1) of the first sheet with a header cell among its top rows, else sheet 0."""
    try:
        child = _Child(path, max_columns=max_columns, top_rows=top_rows)
    except OSError:
        log.warning("xlsx child could not start; reading with openpyxl", exc_info=True)
        return None
    offered, taken = [], None  # (index, name) of the sheets the child showed, and the one with the header
    while True:
        frame = child.receive()
        if frame is None or frame[0] in ("error", "broken"):
            reason = frame[1] if frame else child.why()
            child.close()
            log.info("calamine did not read %s (%s); reading with openpyxl", path.name, reason)
            return None
        if frame[0] != "sheet":
            break  # the first chunk of rows, or the end of an empty workbook
        _, index, name, top = frame
        offered.append((index, name))
        found = any(header_test(cell) for cells in top for cell in cells)
        if found:
            taken = (index, name)
        try:
            child.answer("take" if found else "next")
        except OSError:
            child.close()
            return None
    if not offered:
        child.close()
        return None  # a workbook without sheets: openpyxl's reading says so
    index, name = taken or offered[0]  # no sheet has the header: the child streams the first

    def rows(first=frame):
        try:
            frame = first
            while frame is not None and frame[0] == "rows":
                yield from frame[1]
                frame = child.receive()
            if frame is None:
                raise ChildDied(child.why())
        finally:
            child.close()

    return index, name, rows()


class ChildDied(Exception):
    """The child stopped half-way through streaming a sheet (its CPU limit); the reader's ``guarded`` reports the
    file as damaged after the last row read."""
