from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BatchKind

MAX_UPLOAD_MB = 300


class TradeImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=BatchKind.choices)
    file = forms.FileField(label=_("File (xlsx or csv)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".xlsx") or name.endswith(".csv")):
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if f.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_MB})
        return f


def _field_choices():
    from .importing.columns import BUILTIN, LABELS

    kinds = dict(BatchKind.choices)
    return [
        (str(kinds[k]), [(f"{k}:{f}", LABELS.get(f, f)) for f in fields]) for k, fields in BUILTIN.items()
    ]


def _code_choices():
    from .importing.values import BUILTIN_VALUES, VALUE_LABELS, shown_name

    return [(label, [(f"{field}:{code}", shown_name(names))
                     for code, names in BUILTIN_VALUES[field].items()])
            for field, label in VALUE_LABELS.items()]  # fmt: skip


class ColumnAliasForm(forms.Form):
    """One column name → one of our fields; the kind of file comes with the field (grouped choices)."""

    target = forms.ChoiceField(label=_("Field"))
    header = forms.CharField(label=_("Column name in the file"), max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _field_choices()


class ValueAliasForm(forms.Form):
    target = forms.ChoiceField(label=_("Means"))
    alias = forms.CharField(label=_("Value in the file"), max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = _code_choices()


STAR_RULES = [
    ("volume", _("sales volume")),
    ("unit_value", _("value per carton")),
    ("credit", _("credit")),
    ("integrity_group", _("integrity group")),
    ("e_settlement", _("e-settlement")),
    ("regularity", _("order regularity")),
]


def _numbers(text: str, count: int, what) -> list[float]:
    parts = [p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise forms.ValidationError(_("Write numbers only, separated by commas.")) from None
    if len(values) != count:
        raise forms.ValidationError(
            _("%(what)s needs %(count)d numbers; %(given)d were given.") % {"what": what, "count": count,
                                                                           "given": len(values)}
        )  # fmt: skip
    if any(v < 0 for v in values):
        raise forms.ValidationError(_("Numbers cannot be negative."))
    return values


class DerivationSettingsForm(forms.Form):
    """How grades, stars, segments and data-fed key lists are computed (the one DerivationSettings row)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)  # the version the editor loaded
    grade_window_weeks = forms.IntegerField(label=_("grade window (weeks)"), min_value=4, max_value=156)
    grade_volume_weight = forms.IntegerField(label=_("weight of volume against amount (%)"), min_value=0,
                                             max_value=100)  # fmt: skip
    grade_shares = forms.CharField(
        label=_("share of shops per grade (%)"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("30 numbers, grade 1 first, separated by commas; they must add up to 100."),
    )  # fmt: skip
    star_window_weeks = forms.IntegerField(label=_("star window (weeks)"), min_value=4, max_value=156)
    star_cutoffs = forms.CharField(
        label=_("points for 2, 3, 4 and 5 stars"),
        help_text=_("4 rising numbers between 0 and 100, e.g. 25, 45, 65, 82."),
    )
    segment_window_weeks = forms.IntegerField(label=_("segment window (weeks)"), min_value=4, max_value=156)
    cluster_count = forms.IntegerField(label=_("number of clusters"), min_value=2, max_value=12)
    irregular_weeks = forms.IntegerField(
        label=_("weeks without an order before a shop counts as irregular"), min_value=1, max_value=52
    )
    failed_settlement_days = forms.IntegerField(label=_("failed settlements counted over (days)"), min_value=1,
                                                max_value=365)  # fmt: skip
    failed_settlement_min = forms.IntegerField(label=_("failed settlements for capital pressure"), min_value=1,
                                               max_value=50)  # fmt: skip

    def __init__(self, *args, settings_row=None, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in STAR_RULES:
            self.fields[f"star_{code}"] = forms.IntegerField(
                label=_("star rule weight: %(rule)s") % {"rule": label}, min_value=0, max_value=100
            )
        if settings_row is not None and not self.is_bound:
            row = settings_row
            self.initial = {
                "seen": row.updated_at.isoformat() if row.updated_at else "",
                "grade_shares": ", ".join(f"{v:g}" for v in row.grade_shares),
                "star_cutoffs": ", ".join(f"{v:g}" for v in row.star_cutoffs),
                **{f: getattr(row, f) for f in ("grade_window_weeks", "grade_volume_weight", "star_window_weeks",
                                                "segment_window_weeks", "cluster_count", "irregular_weeks",
                                                "failed_settlement_days", "failed_settlement_min")},
                **{f"star_{code}": row.star_weights.get(code, 0) for code, _label in STAR_RULES},
            }  # fmt: skip

    def clean_grade_shares(self):
        shares = _numbers(self.cleaned_data["grade_shares"], 30, _("The share per grade"))
        if abs(sum(shares) - 100) > 0.5:
            raise forms.ValidationError(
                _("The shares add up to %(sum)s, not 100.") % {"sum": f"{sum(shares):g}"}
            )
        return shares

    def clean_star_cutoffs(self):
        cutoffs = _numbers(self.cleaned_data["star_cutoffs"], 4, _("The star cut-offs"))
        if any(b <= a for a, b in zip(cutoffs, cutoffs[1:], strict=False)) or cutoffs[-1] > 100:
            raise forms.ValidationError(
                _("The cut-offs must rise from one star level to the next and stay ≤ 100.")
            )
        return cutoffs

    def clean(self):
        data = super().clean()
        weights = {code: data.get(f"star_{code}") for code, _label in STAR_RULES}
        if all(v is not None for v in weights.values()):
            if not sum(weights.values()):
                raise forms.ValidationError(_("At least one star rule needs a weight above 0."))
            data["star_weights"] = weights
        return data

    def values(self) -> dict:
        from .services import SETTINGS_FIELDS  # the fields the service writes: one list for both

        return {k: self.cleaned_data[k] for k in SETTINGS_FIELDS}


class PointsFormulaForm(forms.Form):
    """A new version of the points formula: the volume weight, one weight per price class, and why."""

    volume_weight = forms.DecimalField(
        label=_("volume weight"), min_value=0, max_value=1000, decimal_places=3
    )
    class1 = forms.DecimalField(
        label=_("weight of price class 1"), min_value=0, max_value=1000, decimal_places=3
    )
    class2 = forms.DecimalField(
        label=_("weight of price class 2"), min_value=0, max_value=1000, decimal_places=3
    )
    class3 = forms.DecimalField(
        label=_("weight of price class 3"), min_value=0, max_value=1000, decimal_places=3
    )
    class4 = forms.DecimalField(
        label=_("weight of price class 4"), min_value=0, max_value=1000, decimal_places=3
    )
    class5 = forms.DecimalField(
        label=_("weight of price class 5"), min_value=0, max_value=1000, decimal_places=3
    )
    note = forms.CharField(label=_("reason for the change"), max_length=200, required=False)

    @classmethod
    def for_formula(cls, formula, data=None):
        initial = {"volume_weight": formula.volume_weight, "note": ""}
        initial.update({f"class{c}": formula.weight(c) for c in range(1, 6)})
        return cls(data, initial=initial)

    def values(self) -> dict:
        d = self.cleaned_data
        return {"volume_weight": d["volume_weight"], "class_weights": {c: d[f"class{c}"] for c in range(1, 6)},
                "note": d["note"]}  # fmt: skip


class PointsComputeForm(forms.Form):
    cycle = forms.CharField(label=_("Cycle"), max_length=20, help_text=_("For example 2025-W38"))
