"""What an import found: counts and bad rows (line, column, value, reason in Chinese)."""

from collections import Counter
from dataclasses import dataclass, field

from serviceloop.customers.importing.report import RowError

from ..conf import error_limit


@dataclass
class Report:
    kind: str
    dry_run: bool = False
    file_format: str = ""
    rows: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    cancelled: int = 0
    error_total: int = 0
    errors: list[RowError] = field(default_factory=list)
    columns: dict = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    unknown_shops: Counter = field(default_factory=Counter)
    unknown_products: Counter = field(default_factory=Counter)
    details: dict = field(default_factory=dict)
    _bad_lines: set = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.error_total

    @property
    def error_lines(self) -> int:
        return len(self._bad_lines)

    def error(self, line: int, reason: str, *, column=None, value=None) -> None:
        """Records a bad row. ``column`` is a columns.Column (or None for the whole row / file)."""
        self.error_total += 1
        if line:
            self._bad_lines.add(line)
        if len(self.errors) < error_limit():
            shown = "" if value is None else str(value)
            self.errors.append(
                RowError(
                    line=line,
                    column=column.header if column is not None else "",
                    value=shown if len(shown) <= 60 else shown[:57] + "…",
                    reason=reason,
                    column_index=column.index + 1 if column is not None else 0,
                )
            )

    def errors_as_json(self) -> list[dict]:
        return [
            {
                "line": e.line,
                "column": e.column,
                "letter": e.column_letter,
                "value": e.value,
                "reason": e.reason,
            }
            for e in sorted(self.errors, key=lambda e: (e.line, e.column_index))
        ]
