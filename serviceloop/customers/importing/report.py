"""What an import did (or, for a dry run, would do): counts, new org units and every bad row."""

from collections import Counter
from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class RowError:
    """One problem in the file. ``line`` is the spreadsheet row (header = 1); 0 means the whole file."""

    line: int
    column: str = ""  # the column's header as written in the file, or "" for the whole row / file
    value: str = ""  # the offending cell as the user typed it
    reason: str = ""  # in Chinese, saying what to fix
    column_index: int = 0  # 1-based; 0 when not about one column

    @property
    def column_letter(self) -> str:
        from openpyxl.utils import get_column_letter

        return get_column_letter(self.column_index) if self.column_index else ""

    @property
    def where(self) -> str:
        if not self.line:
            return "文件"
        if not self.column:
            return f"第{self.line}行"
        letter = f"{self.column_letter}列" if self.column_index else ""
        return f"第{self.line}行 {letter}「{self.column}」"

    def __str__(self) -> str:
        value = f" 值「{self.value}」" if self.value else ""
        return f"{self.where}{value}：{self.reason}"


@dataclass(frozen=True)
class UnitName:
    """A branch, station or route the import creates, shown with the unit it sits in."""

    parent: str
    name: str

    def __str__(self) -> str:
        return f"{self.parent} / {self.name}" if self.parent else self.name


# A file can hold a problem on every one of 200,000 rows; the report keeps the first ERRORS_KEPT of them (by
# line) and counts the rest, so neither the worker's memory nor the page grows with a broken file.
ERRORS_KEPT = 200


def _order(e: RowError) -> tuple[int, int]:
    return (e.line, e.column_index)


@dataclass(frozen=True)
class ConstantColumn:
    """A yes/no column holding one value on every row (the real export's 优质客户 is 是 for all 15,020 shops):
    a file-wide constant says nothing about the shops, so it is left out unless the user keeps it."""

    header: str
    field: str
    label: str  # the field's Chinese name
    value: str  # the one value, as shown (是 / 否)
    kept: bool


@dataclass
class ImportReport:
    filename: str = ""
    file_format: str = ""  # "xlsx" or "csv (GB18030)" etc.
    dry_run: bool = False
    committed: bool = False  # True once the rows are in the database
    rows: int = 0  # data rows read (blank rows are skipped)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_company: str = ""
    created_branches: list[UnitName] = field(default_factory=list)
    created_stations: list[UnitName] = field(default_factory=list)
    created_routes: list[UnitName] = field(default_factory=list)
    field_changes: Counter = field(default_factory=Counter)  # field name → shops whose value changes
    history_rows: int = 0  # CustomerChange rows written (0 for a dry run)
    columns: dict = field(default_factory=dict)  # header as written → field name
    ignored_columns: list[str] = field(default_factory=list)  # headers not recognised, left out
    constant_columns: list[ConstantColumn] = field(default_factory=list)  # yes/no columns with one value
    errors: list[RowError] = field(default_factory=list)  # the first ERRORS_KEPT problems by line
    error_count: int = 0  # every problem found
    bad_lines: set[int] = field(default_factory=set)  # every row with at least one problem
    error_line_count: int = 0  # rows with a problem, when read back from JSON (bad_lines is not kept there)

    @property
    def ok(self) -> bool:
        return not self.error_count

    # The report of an import run in the background is kept as JSON next to the upload for its result page.
    def to_json(self) -> dict:
        data = asdict(self)
        data["field_changes"] = dict(self.field_changes)
        del data["bad_lines"]
        data["error_line_count"] = self.error_lines
        return data

    @classmethod
    def from_json(cls, data: dict) -> "ImportReport":
        data = dict(data)
        for key in ("created_branches", "created_stations", "created_routes"):
            data[key] = [UnitName(**u) for u in data.get(key, [])]
        data["errors"] = [RowError(**e) for e in data.get("errors", [])]
        data["constant_columns"] = [ConstantColumn(**c) for c in data.get("constant_columns", [])]
        data["field_changes"] = Counter(data.get("field_changes", {}))
        data.pop("bad_lines", None)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def error_lines(self) -> int:
        """How many distinct rows have at least one error."""
        return len(self.bad_lines - {0}) or self.error_line_count

    @property
    def errors_left_out(self) -> int:
        return self.error_count - len(self.errors)

    def error(self, line: int, reason: str, *, column: str = "", value="", column_index: int = 0) -> None:
        self.error_count += 1
        self.bad_lines.add(line)
        self.errors.append(
            RowError(line=line, column=column, value=_shown(value), reason=reason, column_index=column_index)
        )
        if len(self.errors) > 2 * ERRORS_KEPT:  # keep the first ones by line, found in whichever pass
            self.errors = sorted(self.errors, key=_order)[:ERRORS_KEPT]

    def sort_errors(self) -> None:
        self.errors = sorted(self.errors, key=_order)[:ERRORS_KEPT]


def _shown(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
