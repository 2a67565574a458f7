"""The customer archive as arrays, and the rule mapping a DELIVERY_AREA name onto it.

Mapping rule (one rule for the pages, the command and the benchmark)
-------------------------------------------------------------------
Names are compared after NFKC normalisation (full-width → half-width) with spaces removed.

* **District (区县 = branch) and market department (市场部 = station), mutual-aid group**: the sheet
  name's values are

  1. the archive values named for it in the :class:`~serviceloop.growth.models.RegionAlias` table
     (kind, sheet name → branch / station / group name) that exist in the archive — one name may
     stand for several (e.g. 城区 → 张湾、茅箭 branches); else
  2. the archive value equal to the name; else
  3. the archive values that *begin* with the name (丹江 → 丹江口市烟草专卖局(营销部)) — exactly one,
     otherwise the name is **ambiguous** (an error listing the candidates; add an alias).

  A name matching nothing is refused: 「区域“X”在客户档案中不存在」.
* **Coded fields** (market type 城网/农网 → C/X, urban-rural code 主城区…村庄 → 111…220, retail format
  商场/超市/烟草专业店/娱乐服务类/其他 → N/S/Y/F/Q, trading area, credit rating): the RegionAlias rows
  of that kind, else our code itself, its Chinese name (``customers.codes.ZH_NAMES``) or the
  customer import's CodeAlias table (the same words the archive import accepts). An unknown name is
  refused. A known code that no shop carries is accepted (that region simply has no shops).

Weights (every-other-week shops)
--------------------------------
A shop's weight in one ordering week: 1 for a weekly shop; 2 for an odd-week (单周) shop in an odd week
and 0 in an even week; the reverse for even-week (双周) shops; 0 for shops without ordering visits
(不访销), for suspended or closed shops, and for shops without a grade. The week's parity is the parity
of its ISO week number (see :func:`serviceloop.growth.engine.ordering_week`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np

from serviceloop.customers.codes import ZH_NAMES
from serviceloop.customers.models import CodeAlias, Customer, CustomerStatus, OrderCycle
from serviceloop.growth.sheet import Dimension

from .models import RegionAlias, RegionKind

CODED = {
    RegionKind.MARKET_TYPE,
    RegionKind.URBAN_RURAL_CODE,
    RegionKind.RETAIL_FORMAT,
    RegionKind.TRADING_AREA,
    RegionKind.CREDIT_RATING,
}
NAMED = {RegionKind.DISTRICT, RegionKind.MARKET_DEPARTMENT, RegionKind.MUTUAL_AID_GROUP}
KIND_OF_DIMENSION = {
    Dimension.DISTRICT: RegionKind.DISTRICT,
    Dimension.MARKET_TYPE: RegionKind.MARKET_TYPE,
    Dimension.URBAN_RURAL_CODE: RegionKind.URBAN_RURAL_CODE,
    Dimension.RETAIL_FORMAT: RegionKind.RETAIL_FORMAT,
    Dimension.MARKET_DEPARTMENT: RegionKind.MARKET_DEPARTMENT,
    Dimension.TRADING_AREA: RegionKind.TRADING_AREA,
    Dimension.CREDIT_RATING: RegionKind.CREDIT_RATING,
    Dimension.MUTUAL_AID_GROUP: RegionKind.MUTUAL_AID_GROUP,
}
KIND_LABELS = {
    RegionKind.DISTRICT: "区县",
    RegionKind.MARKET_TYPE: "市场类型",
    RegionKind.URBAN_RURAL_CODE: "城乡分类代码",
    RegionKind.RETAIL_FORMAT: "业态",
    RegionKind.MARKET_DEPARTMENT: "市场部",
    RegionKind.TRADING_AREA: "商圈",
    RegionKind.CREDIT_RATING: "诚信等级",
    RegionKind.MUTUAL_AID_GROUP: "诚信互助小组",
}
CYCLE_CODES = {OrderCycle.WEEKLY: 0, OrderCycle.ODD_WEEKS: 1, OrderCycle.EVEN_WEEKS: 2, OrderCycle.NONE: 3}


class RegionError(ValueError):
    pass


def normalise(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(name or "")).split())


@dataclass
class Archive:
    """Active facts of every shop, index-aligned arrays (one entry per customer)."""

    ids: np.ndarray
    licences: list[str]
    grades: np.ndarray  # 0 = no grade
    cycles: np.ndarray  # CYCLE_CODES
    active: np.ndarray  # bool: status active
    values: dict[str, np.ndarray]  # RegionKind → archive value per shop (object array of str)

    def __len__(self) -> int:
        return len(self.ids)

    def weights(self, *, odd_week: bool) -> np.ndarray:
        w = np.where(self.cycles == 0, 1, 0)
        w = np.where(self.cycles == (1 if odd_week else 2), 2, w)
        return np.where(self.active & (self.grades > 0), w, 0).astype(np.int64)


FIELDS = {
    RegionKind.DISTRICT: "branch__name",
    RegionKind.MARKET_DEPARTMENT: "station__name",
    RegionKind.MARKET_TYPE: "market_type",
    RegionKind.URBAN_RURAL_CODE: "urban_rural_code",
    RegionKind.RETAIL_FORMAT: "retail_format",
    RegionKind.TRADING_AREA: "trading_area",
    RegionKind.CREDIT_RATING: "credit_rating",
    RegionKind.MUTUAL_AID_GROUP: "mutual_aid_group",
}


def load_archive(queryset=None) -> Archive:
    """One query, ordered by licence number (so runs are reproducible row by row)."""
    qs = (Customer.objects.all() if queryset is None else queryset).order_by("licence_no")
    kinds = list(FIELDS)
    rows = list(
        qs.values_list("id", "licence_no", "grade", "order_cycle", "status", *(FIELDS[k] for k in kinds))
    )
    n = len(rows)
    columns = list(zip(*rows, strict=True)) if rows else [()] * (5 + len(kinds))
    return Archive(
        ids=np.array(columns[0], dtype=np.int64),
        licences=list(columns[1]),
        grades=np.array([g or 0 for g in columns[2]], dtype=np.int64),
        cycles=np.array([CYCLE_CODES.get(c, 0) for c in columns[3]], dtype=np.int64),
        active=np.array([s == CustomerStatus.ACTIVE for s in columns[4]], dtype=bool).reshape(n),
        values={
            k: np.array([v or "" for v in columns[5 + i]], dtype=object).reshape(n)
            for i, k in enumerate(kinds)
        },
    )


class RegionResolver:
    """Sheet names → archive values, following the rule in the module docstring."""

    def __init__(self, archive: Archive, *, aliases=None, code_aliases=None):
        """``aliases`` (kind, sheet name, archive value) and ``code_aliases`` (field, alias, code) default to
        the RegionAlias and CodeAlias tables; pass them to resolve without a database (the benchmark)."""
        self.archive = archive
        if aliases is None:
            aliases = RegionAlias.objects.values_list("kind", "sheet_name", "archive_value")
        if code_aliases is None:
            code_aliases = CodeAlias.objects.values_list("field", "alias", "code")
        self.aliases: dict[tuple[str, str], list[str]] = {}
        for kind, name, value in aliases:
            self.aliases.setdefault((kind, normalise(name)), []).append(value)
        self.code_aliases: dict[tuple[str, str], str] = {(f, normalise(a)): c for f, a, c in code_aliases}
        self._present: dict[str, dict[str, str]] = {}

    def present(self, kind: str) -> dict[str, str]:
        """normalised archive value → archive value, for values some shop carries."""
        if kind not in self._present:
            self._present[kind] = {normalise(v): v for v in set(self.archive.values[kind].tolist()) if v}
        return self._present[kind]

    def resolve(self, kind: str, name: str) -> list[str]:
        key = normalise(name)
        label = KIND_LABELS[kind]
        if kind in CODED:
            return [self._code(kind, key, name, label)]
        present = self.present(kind)
        aliased = [
            present[normalise(v)] for v in self.aliases.get((kind, key), []) if normalise(v) in present
        ]
        if aliased:
            return sorted(set(aliased))
        if key in present:
            return [present[key]]
        found = sorted(v for k, v in present.items() if key and k.startswith(key))
        if len(found) == 1:
            return found
        if found:
            raise RegionError(
                f"{label}「{name}」不明确，客户档案中有 {len(found)} 个以它开头：{'、'.join(found[:6])}"
                f"；请在“区域映射表”中指定"
            )
        raise RegionError(f"{label}「{name}」在客户档案中不存在；请检查名称，或在“区域映射表”中添加映射")

    def _code(self, kind: str, key: str, name: str, label: str) -> str:
        choices = ZH_NAMES[kind]
        aliased = self.aliases.get((kind, key))
        if aliased:
            bad = [v for v in aliased if v not in choices]
            if bad or len(set(aliased)) > 1:
                raise RegionError(f"区域映射表中{label}「{name}」的映射无效：{'、'.join(aliased)}")
            return aliased[0]
        if name in choices:
            return name
        for code, zh in choices.items():
            if normalise(zh) == key:
                return code
        code = self.code_aliases.get((kind, key))
        if code in choices:
            return code
        raise RegionError(
            f"{label}「{name}」无法识别（可选：{'、'.join(choices.values())}）；或在“区域映射表”中添加映射"
        )

    def label(self, kind: str, value: str) -> str:
        return ZH_NAMES[kind].get(value, value) if kind in CODED else value
