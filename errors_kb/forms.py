"""Every input the portal reads is validated here, query strings included."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from django import forms
from django.conf import settings
from django.http import HttpRequest

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
        return f"{label} {errors[0]}" if name not in {"q", "__all__"} else str(errors[0])
    return "invalid input"


def _undecodable_fields(raw: str) -> set[str]:
    """Names of url-encoded fields whose bytes are not UTF-8 (Django would replace them silently)."""
    bad = set()
    for pair in raw.split("&"):
        key, _, value = pair.partition("=")
        try:
            unquote_to_bytes(value.replace("+", " ")).decode("utf-8")
        except UnicodeDecodeError:
            bad.add(key)
    return bad


class SearchForm(forms.Form):
    q = forms.CharField(strip=True, required=False)
    vendor = forms.CharField(strip=True, required=False, max_length=100)
    limit = AsciiIntegerField(
        required=False,
        min_value=1,
        max_value=50,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), "must be a whole number from 1 to 50."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # clean_q explains NUL bytes in the search's own words.
        self.fields["q"].validators = []

    @classmethod
    def from_request(cls, request: HttpRequest) -> SearchForm:
        """The form over the query string (links) or the POST body (the paste box: pastes stay out of URLs)."""
        if request.method == "POST":
            form = cls(request.POST)
            raw = request.body.decode("latin-1") if request.content_type == "application/x-www-form-urlencoded" else ""
        else:
            form = cls(request.GET)
            raw = request.META.get("QUERY_STRING", "")
        form.undecodable = _undecodable_fields(raw) & {"q", "vendor"}
        return form

    undecodable: set[str] = set()

    def clean(self):
        if self.undecodable:
            raise forms.ValidationError("The text could not be decoded as UTF-8; paste it as plain text.")
        return super().clean()

    def clean_q(self) -> str:
        try:
            return validate_query(self.cleaned_data["q"], settings.SEARCH_MAX_CHARS)
        except SearchInputError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_limit(self) -> int:
        return self.cleaned_data["limit"] or 10


class PageForm(forms.Form):
    page = AsciiIntegerField(
        required=False,
        min_value=1,
        error_messages=dict.fromkeys(("invalid", "min_value"), "must be a whole number from 1."),
    )

    def clean_page(self) -> int:
        return self.cleaned_data["page"] or 1
