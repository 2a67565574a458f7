"""``unit_options``: the options of a hand-written org-unit filter, the current one selected, names escaped."""

from serviceloop.core.templatetags.form_fields import unit_options


def test_it_selects_the_current_unit_and_escapes_names():
    html = unit_options([(1, "张湾1号线"), (12, '<b>"茅箭"</b>')], "12")
    assert html == (
        '<option value="1">张湾1号线</option>'
        '<option value="12" selected>&lt;b&gt;&quot;茅箭&quot;&lt;/b&gt;</option>'
    )
    for current in (None, "x"):
        assert "selected" not in unit_options([(1, "a")], current)
