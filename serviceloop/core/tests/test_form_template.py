"""The shared form template (core/_form.html) draws every widget type so that what a browser submits is what the
form expects: the page is parsed as a browser would (WebTest's form parser), filled, and its submission is fed back
to the Django form."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict
from webtest.forms import File as WebTestFile
from webtest.forms import Form as ParsedForm


class EveryWidget(forms.Form):
    agree = forms.BooleanField(label="同意", required=False)
    steps = forms.MultipleChoiceField(
        label="策略步骤",
        choices=[("1", "第一步：讲解"), ("2", "第二步：演示"), ("3", "第三步：回访")],
        widget=forms.CheckboxSelectMultiple,
    )
    reached = forms.ChoiceField(
        label="是否联系上", choices=[("yes", "已联系上"), ("no", "未联系上")], widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(label="类型", choices=[("", "---------"), ("a", "甲"), ("b", "乙")])
    kinds = forms.MultipleChoiceField(label="多个类型", choices=[("a", "甲"), ("b", "乙"), ("c", "丙")])
    flag = forms.NullBooleanField(label="是否", required=False)
    photo = forms.FileField(label="照片", required=False)
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}))
    count = forms.IntegerField(label="数量", required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


def render(form) -> str:
    inner = render_to_string("core/_form.html", {"form": form})
    return f'<form method="post" enctype="multipart/form-data">{inner}</form>'


def submitted(parsed: ParsedForm) -> tuple[QueryDict, MultiValueDict]:
    """What a browser sends for the parsed form: the fields as (name, value) pairs, files apart."""
    data, files = QueryDict(mutable=True), MultiValueDict()
    for name, value in parsed.submit_fields():
        # an upload: its value is (filename, content), or "" when none is chosen
        if isinstance(value, WebTestFile):
            if value.value:
                files.appendlist(name, SimpleUploadedFile(*value.value[:2]))
        else:
            data.appendlist(name, value)
    return data, files


def test_it_submits_every_widget_type_as_the_form_expects_when_filled_like_a_browser():
    html = render(EveryWidget(initial={"reached": "yes"}))
    parsed = ParsedForm(None, html)
    parsed.get("agree").checked = True
    for index in (0, 2):  # tick the first and the third step
        parsed.get("steps", index=index).checked = True
    parsed["reached"] = "no"
    parsed["kind"] = "b"
    parsed["kinds"] = ["a", "c"]
    parsed["flag"] = "true"
    parsed["photo"] = ("shop.jpg", b"\xff\xd8 picture")
    parsed["day"] = "2026-05-04"
    parsed["text"] = "多行\n说明"
    parsed["count"] = "7"
    data, files = submitted(parsed)
    form = EveryWidget(data, files)
    assert form.is_valid(), form.errors
    d = form.cleaned_data
    assert d["agree"] is True and d["steps"] == ["1", "3"] and d["reached"] == "no"
    assert d["kind"] == "b" and d["kinds"] == ["a", "c"] and d["flag"] is True
    assert d["photo"].name == "shop.jpg" and d["day"] == dt.date(2026, 5, 4) and d["count"] == 7
    assert d["text"].replace("\r\n", "\n") == "多行\n说明"


def test_it_sends_nothing_for_an_unticked_box_and_the_form_reads_it_as_no():
    parsed = ParsedForm(None, render(EveryWidget(initial={"agree": True})))
    assert parsed.get("agree").checked  # an initial True is shown ticked
    parsed.get("agree").checked = False
    data, _files = submitted(parsed)
    assert "agree" not in data and "steps" not in data


def test_it_styles_each_widget_with_bootstrap_and_shows_each_choice_with_its_own_label():
    soup = BeautifulSoup(render(EveryWidget()), "html.parser")
    for box in soup.select("input[type=checkbox], input[type=radio]"):
        assert "form-check-input" in box["class"] and "form-control" not in box.get("class", [])
        if box["name"] != "agree":  # a choice without its value submits "on", which no choice field accepts
            assert box.get("value"), box
        wrapper = box.find_parent("div")
        assert "form-check" in wrapper["class"]
        label = wrapper.find("label", attrs={"for": box["id"]})
        assert label is not None and "form-check-label" in label["class"]
    labels = [label.get_text(strip=True) for label in soup.select("label.form-check-label")]
    assert labels == ["同意", "第一步：讲解", "第二步：演示", "第三步：回访", "已联系上", "未联系上"]
    assert {"form-select"} <= set(soup.find("select", attrs={"name": "kind"})["class"])
    assert {"form-select"} <= set(soup.find("select", attrs={"name": "kinds"})["class"])
    assert soup.find("select", attrs={"name": "kinds"}).has_attr("multiple")
    assert {"form-select"} <= set(soup.find("select", attrs={"name": "flag"})["class"])
    for name in ("photo", "day", "count"):
        assert "form-control" in soup.find("input", attrs={"name": name})["class"], name
    assert "form-control" in soup.find("textarea", attrs={"name": "text"})["class"]
    assert "form-control" not in (soup.find("input", attrs={"name": "secret"}).get("class") or [])
    # the groups are labelled as groups (a legend), not as a label pointing at nothing
    legends = [legend.get_text(" ", strip=True) for legend in soup.select("fieldset legend")]
    assert any("策略步骤" in t for t in legends) and any("是否联系上" in t for t in legends)
    assert "classList" not in str(soup)  # styled on the server, not patched by a script afterwards


def test_it_marks_the_fields_in_error_and_keeps_what_was_chosen():
    form = EveryWidget({"steps": ["2"], "reached": "", "kind": "", "day": "不是日期", "text": ""})
    assert not form.is_valid()
    soup = BeautifulSoup(render(form), "html.parser")
    assert soup.find("input", attrs={"name": "steps", "value": "2"}).has_attr("checked")
    assert not soup.find("input", attrs={"name": "steps", "value": "1"}).has_attr("checked")
    assert "is-invalid" in soup.find("input", attrs={"name": "day"})["class"]
    assert "is-invalid" in soup.find("textarea", attrs={"name": "text"})["class"]
    for radio in soup.select("input[name=reached]"):
        assert "is-invalid" in radio["class"]
    assert len(soup.select(".invalid-feedback")) == len(form.errors)


@pytest.mark.parametrize("value", ["yes", "no"])
def test_it_shows_the_chosen_radio_as_checked(value):
    soup = BeautifulSoup(render(EveryWidget({"reached": value})), "html.parser")
    checked = [r["value"] for r in soup.select("input[name=reached]") if r.has_attr("checked")]
    assert checked == [value]
