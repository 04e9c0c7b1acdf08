"""Every input the portal reads is validated here, query strings included."""

from __future__ import annotations

from django import forms
from django.conf import settings

from errors_kb.search import SearchInputError, validate_query


class AsciiIntegerField(forms.IntegerField):
    """Only 0-9: Python's int() also reads "٣" and "²"-like digits, which no link or form sends."""

    default_error_messages = {"invalid": "Enter a whole number written with the digits 0-9."}

    def to_python(self, value):
        if value not in self.empty_values and not (isinstance(value, str) and value.strip().isascii()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def first_error(form: forms.Form) -> str:
    """One sentence for a 400 answer: the first problem, named by its field."""
    for name, errors in form.errors.items():
        label = name if name != "__all__" else "input"
        return f"{label}: {errors[0]}" if name not in {"q", "__all__"} else str(errors[0])
    return "invalid input"


class SearchForm(forms.Form):
    q = forms.CharField(strip=True, required=False)
    vendor = forms.CharField(strip=True, required=False, max_length=100)
    limit = AsciiIntegerField(required=False, min_value=1, max_value=50)

    def clean_q(self) -> str:
        try:
            return validate_query(self.cleaned_data["q"], settings.SEARCH_MAX_CHARS)
        except SearchInputError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_limit(self) -> int:
        return self.cleaned_data["limit"] or 10


class PageForm(forms.Form):
    page = AsciiIntegerField(required=False, min_value=1)

    def clean_page(self) -> int:
        return self.cleaned_data["page"] or 1
