"""The city administrator's trade settings: the import's column and value mappings (列名映射表、取值映射表) and
how grades, stars, segments and data-fed key lists are computed. Both were in the Django admin only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from serviceloop.core.paging import paginate
from serviceloop.core.xlsx import workbook_response

from . import services
from .forms import ColumnAliasForm, DerivationSettingsForm, ValueAliasForm
from .models import BatchKind, ColumnAlias, DerivationSettings, ValueAlias
from .views import _require_importer


def _alias_lists(params):
    q = (params.get("q") or "").strip()[:60]
    kind = params.get("kind") or ""
    columns = ColumnAlias.objects.all()
    values = ValueAlias.objects.all()
    if kind in BatchKind.values:
        columns = columns.filter(kind=kind)
    if q:
        columns = columns.filter(Q(header__icontains=q) | Q(field__icontains=q))
        values = values.filter(Q(alias__icontains=q) | Q(code__icontains=q))
    return columns, values


def _value_meaning(row) -> str:
    from .importing.values import BUILTIN_VALUES, shown_name

    names = BUILTIN_VALUES.get(row.field, {}).get(row.code)
    return shown_name(names) if names else row.code


def _show_errors(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@login_required
@require_GET
def aliases(request):
    # The import's tables are loaded on use (the importing package brings openpyxl; start-up stays lean).
    from .importing.columns import LABELS
    from .importing.values import VALUE_LABELS

    _require_importer(request.user)
    columns, values = _alias_lists(request.GET)
    if request.GET.get("export") == "xlsx":
        return workbook_response("导入映射表.xlsx", [
            (_("Column names"), [_("kind"), _("field"), _("column name in the file")],
             ((c.get_kind_display(), LABELS.get(c.field, c.field), c.header) for c in columns)),
            (_("Values"), [_("field"), _("value in the file"), _("means")],
             ((VALUE_LABELS.get(v.field, v.field), v.alias, _value_meaning(v)) for v in values)),
        ])  # fmt: skip
    page, query = paginate(request, columns, size=50)
    context = {
        "page": page, "query": query, "kinds": BatchKind.choices,
        "columns": [(c, LABELS.get(c.field, c.field)) for c in page],
        "values": [(v, VALUE_LABELS.get(v.field, v.field), _value_meaning(v)) for v in values[:500]],
        "column_form": ColumnAliasForm(prefix="col"), "value_form": ValueAliasForm(prefix="val"),
    }  # fmt: skip
    return render(request, "trade/aliases.html", context)


@login_required
@require_POST
def alias_add(request, what):
    _require_importer(request.user)
    now = timezone.now()
    if what == "column":
        form = ColumnAliasForm(request.POST, prefix="col")
        if form.is_valid():
            kind, field = form.cleaned_data["target"].split(":", 1)
            try:
                services.columnalias_add(kind=kind, field=field, header=form.cleaned_data["header"],
                                         actor=request.user, now=now)  # fmt: skip
                messages.success(request, _("Column name added. The next import reads it."))
            except ValidationError as e:
                _show_errors(request, e)
        else:
            _show_form_errors(request, form)
    else:
        form = ValueAliasForm(request.POST, prefix="val")
        if form.is_valid():
            field, code = form.cleaned_data["target"].split(":", 1)
            try:
                services.valuealias_add(field=field, code=code, alias=form.cleaned_data["alias"],
                                        actor=request.user, now=now)  # fmt: skip
                messages.success(request, _("Value added. The next import reads it."))
            except ValidationError as e:
                _show_errors(request, e)
        else:
            _show_form_errors(request, form)
    return redirect("trade:aliases")


def _show_form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in errors:
            messages.error(request, f"{label}：{text}" if label else text)


@login_required
@require_POST
def alias_delete(request, what, pk):
    _require_importer(request.user)
    model = ColumnAlias if what == "column" else ValueAlias
    services.alias_delete(alias=get_object_or_404(model, pk=pk), actor=request.user, now=timezone.now())
    messages.success(request, _("Mapping removed."))
    return redirect("trade:aliases")


@login_required
@require_http_methods(["GET", "POST"])
def derivation_settings(request):
    _require_importer(request.user)
    row = DerivationSettings.current()
    form = DerivationSettingsForm(request.POST or None, settings_row=row)
    if request.method == "POST" and form.is_valid():
        seen = form.cleaned_data["seen"]
        try:
            services.derivationsettings_update(
                values=form.values(), seen_updated_at=parse_datetime(seen) if seen else None,
                actor=request.user, now=timezone.now(),
            )  # fmt: skip
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Settings saved. The next computation uses them."))
            return redirect("trade:settings")
    return render(request, "trade/derivation_settings.html", {"form": form, "row": row},
                  status=400 if form.errors else 200)  # fmt: skip
