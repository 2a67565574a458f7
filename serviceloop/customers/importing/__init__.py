"""Customer import (R25): one engine for ``manage.py import_customers`` and the upload page.

    report = import_customers_file(file=upload, filename=upload.name, actor=request.user, now=now, dry_run=True)

``file`` is an open binary file (an upload), a path or bytes; ``dry_run=True`` checks and reports without
writing. The ImportReport has the counts (rows, created, updated, unchanged, field_changes, history_rows),
the org units created (created_company, created_branches, created_stations, created_routes), ignored
columns and ``errors``: RowError(line, column, value, reason in Chinese, column_letter); ``committed``
says whether anything was written.

Formats: xlsx (openpyxl, read-only; the first sheet with a licence column, so an instructions sheet in
front does not matter) and CSV in UTF-8, UTF-8 with BOM, GB18030/GBK or UTF-16 — told apart by content, not
by file name. Headers in Chinese or English; the provincial export's names (CUST_CODE, GRADE, ORDER_CYCLE,
MARKET_DEPARTMENT …) are accepted as they are (see ``columns.ALIASES``). Title rows above the header are
skipped; line numbers in errors are the spreadsheet's rows (header = 1 when it is the first row).

Decisions, so that users and maintainers can predict what an import does:

* **All or nothing.** Every row is checked first; if any row is bad, nothing is written and every bad row
  is reported with its line, column, value and a reason in Chinese. The whole write is one transaction.
* **Upsert by licence number**, idempotent: a shop whose values are all unchanged is not written at all, so
  importing the same file twice changes nothing and adds no history. Changed tracked fields (grade, stars,
  route, status, credit, format, market type) append CustomerChange rows; a new shop has no history rows
  (its values are its start), as with ``customer_create``. Each committed import adds one AuditEvent
  (``customer.import``) naming the file and the counts — also when nothing changed, because it records that
  someone ran an import; dry runs and refused imports record nothing.
* **Columns present are authoritative, columns absent are left alone.** An empty cell clears a field that
  can be blank (name, phone, grade, credit…); fields with no blank value (stars, status, order cycle, the
  yes/no flags) keep their current value, or the default for a new shop.
* **Codes** are resolved by the code itself (``B``), its Chinese name (便利店, codes.ZH_NAMES), then the
  CodeAlias table (代码映射表, e.g. 烟草专业店 → Y, 城网 → C). An unknown name is an error telling the user to
  add it to that table — never silently "other".
* **Organisation.** Shops go under the single Company (本市烟草公司 is created if there is none).
  Branches (COMPANY_BRANCH; COMPANY_DISTRICT if that is the only branch column) and stations
  (MARKET_DEPARTMENT) are found by name — ignoring spaces and full/half-width differences — and created
  when new; the report lists what was created. A station without a branch must already exist, unambiguously.
* **Routes.** If the file has a route column, that route is used (created under the shop's station if new;
  without a station column it must exist, unambiguously). If it has none — the real provincial export has
  none — the route is derived per station and order day: shops of one market department that order on the
  same day are visited and delivered together in the trade, so they form a route named
  "张湾市场部周一线" (odd/even-week Monday shops share it, they are visited on Mondays too);
  不访销 shops go to "张湾市场部不访销", shops with no order cycle to "张湾市场部未定访销日". On re-import
  an existing shop keeps its route — which may since have been changed by hand — unless the file has a
  route column or the shop's station changed.
* **Excel damage** is refused, not guessed: ``1.04203E+11`` has lost digits and is reported as such, while
  ``420301182058.0``, full-width digits (４２０３…) and stray, full-width or non-breaking spaces are cleaned.
"""

from .engine import import_customers_file
from .report import ImportReport, RowError, UnitName

__all__ = ["ImportReport", "RowError", "UnitName", "import_customers_file"]
