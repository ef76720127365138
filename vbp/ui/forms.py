"""Typed input: the fields every form and query form uses, so that no value, however odd, reaches a service raw.

Each field bounds what it takes (a count cannot overflow the database, a text cannot hold a NUL or
be only invisible marks) and says what is wrong in Chinese at the field. ``QueryForm`` parses a
list page's query string: a bad filter is shown as an error and ignored, never a 500.
``VersionField`` is the optimistic check every editing form carries: missing or malformed means stale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError

# Characters no one types into a form: control characters (a line break and a tab are kept where a text
# may have several lines), and marks that show nothing (zero-width spaces, joiners, direction overrides).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u202a\u202b\u202c\u202d\u202e"
EDGES = " \t\r\n\u3000" + INVISIBLE
INT32_MAX = 2**31 - 1  # what a PositiveIntegerField holds on every database
STALE = "页面已过期：该数据已被他人修改或页面打开太久，请刷新页面后重试。"


class TextField(forms.CharField):
    """Text a person types: trimmed (spaces and invisible marks at its ends), at most ``max_length`` characters,
    no control characters; a text of nothing but invisible marks is empty."""

    def __init__(self, *, max_length: int, multiline: bool = False, **kwargs):
        self.multiline = multiline
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}) if multiline else forms.TextInput)
        super().__init__(max_length=max_length, strip=False, **kwargs)
        self.error_messages["max_length"] = "最多 %(limit_value)d 个字（现有 %(show_value)d 个）"
        # Django's own NUL check comes after ours, which says it in plain words
        self.validators = [v for v in self.validators if type(v).__name__ != "ProhibitNullCharactersValidator"]

    def to_python(self, value) -> str:
        return super().to_python(value).strip(EDGES)

    def validate(self, value: str) -> None:
        pattern = CONTROL if self.multiline else LINE_CONTROL
        if pattern.search(value):
            raise ValidationError("不能含有控制字符（如空字符、换页符），请删除后重试", code="control")
        super().validate(value)


class WholeNumberField(forms.IntegerField):
    """A count or an id: digits only, within ``min_value``..``max_value`` (at most what the database holds)."""

    def __init__(self, *, min_value: int = 0, max_value: int = INT32_MAX, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.error_messages.update(
            invalid="请输入整数",
            min_value="不能小于 %(limit_value)s",
            max_value="不能大于 %(limit_value)s",
        )
        self.widget.attrs.setdefault("inputmode", "numeric")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", "").replace("，", "")
            if value and not value.isascii():  # ² or a full-width digit is no number a clerk means
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            if len(value) > 20:  # longer than any bound: no need to make Python read 5,000 digits
                limit = {"limit_value": self.max_value}
                raise ValidationError(self.error_messages["max_value"], code="max_value", params=limit)
        return super().to_python(value)


class YearField(WholeNumberField):
    """An assessment year."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "考核年度")
        super().__init__(min_value=2000, max_value=2100, **kwargs)


class VersionField(WholeNumberField):
    """The version of the row the page showed: an editing form carries it, and a missing or malformed one is stale."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, widget=forms.HiddenInput, **kwargs)
        for code in ("required", "invalid", "min_value", "max_value"):
            self.error_messages[code] = STALE


class Form(forms.Form):
    """A form whose errors are shown in Chinese at their fields, and which never lets a value through unparsed."""

    error_css_class = "has-error"

    def first_error(self) -> str:
        """The first error, with its field's label, for a message after a redirect."""
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else None
            return f"{label}：{errors[0]}" if label else errors[0]
        return ""


ALL = ("", "全部")  # a filter's first choice: no filter


class QueryForm(Form):
    """A list page's filters, from the query string. A field that does not parse is shown with its error and
    filters nothing; the others still filter. ``filter(rows)`` narrows the rows by what parsed.

    ``user`` is the one asking: ``prepare`` (run before the values are parsed) gives the fields their choices
    from what that user may see."""

    def __init__(self, data: Mapping | None = None, *, user=None, **kwargs):
        super().__init__(data if data is not None else {}, **kwargs)
        self.user = user
        self.prepare()
        self.is_valid()

    def prepare(self) -> None:
        """Set the fields' choices for ``self.user`` (a subclass's business)."""

    @property
    def values(self) -> dict:
        """The filters that parsed and are not empty."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [], ())}

    def filter(self, rows):
        return rows

    def shown(self) -> dict[str, str]:
        """The filters that took effect, by their labels and as the form shows them (choices in words)."""
        shown = {}
        for name, value in self.values.items():
            field = self.fields[name]
            choices = dict(getattr(field, "choices", ()))
            shown[str(field.label)] = str(choices.get(value, getattr(value, "name", value)))
        return shown


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Up to ``most`` files uploaded at once (the file store judges each by its content and size); never required."""

    def __init__(self, *, most: int, accept: str = "application/pdf,image/png,image/jpeg", **kwargs):
        self.most = most
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if len(uploads) > self.most:
            raise ValidationError(f"每次最多 {self.most} 个附件（选了 {len(uploads)} 个）", code="too_many")
        return [super(FilesField, self).clean(upload, initial) for upload in uploads]
