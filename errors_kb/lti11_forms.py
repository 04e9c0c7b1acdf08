"""The LTI 1.1 outcome request checker's input, from the page's form or the API's JSON, validated.

A valid form holds the check's result in `cleaned_data["result"]`: reading the paste as an HTTP
request is part of validating it. The secret is used for that one check and kept nowhere else.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from django import forms
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from errors_kb.lti11 import OutcomeCheck, RequestInputError, check_request
from errors_kb.lti11_request import MAX_CHARS

MAX_SECRET_CHARS = 1000
SURROGATE = re.compile("[\ud800-\udfff]")
MAX_URL_CHARS = 2000


class OutcomeCheckForm(forms.Form):
    request = forms.CharField(
        strip=False,
        max_length=MAX_CHARS,
        error_messages={
            "required": "Paste the raw HTTP request your tool sends: the request line, the headers and the XML body.",
            "max_length": "The request is %(show_value)s characters long; the checker reads at most %(limit_value)s "
            "(an outcome request is a few KB). Paste one request.",
        },
    )
    secret = forms.CharField(
        required=False,
        strip=True,
        max_length=MAX_SECRET_CHARS,
        error_messages={"max_length": "The consumer secret can be at most %(limit_value)s characters."},
    )
    url = forms.CharField(
        required=False,
        strip=True,
        max_length=MAX_URL_CHARS,
        error_messages={"max_length": "The lis_outcome_service_url can be at most %(limit_value)s characters."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # clean_request says what a NUL byte means in the checker's own words.
        self.fields["request"].validators = [
            v for v in self.fields["request"].validators if v.code != "null_characters_not_allowed"
        ]
        self.fields["secret"].validators = [
            v for v in self.fields["secret"].validators if v.code != "null_characters_not_allowed"
        ]

    @classmethod
    def from_json(cls, request: HttpRequest) -> OutcomeCheckForm:
        """The API's input: a JSON object with "request" and optionally "secret" and "url", all strings."""
        problem = ""
        data: dict = {}
        try:
            parsed = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            problem = "The body could not be decoded as UTF-8; send JSON text."
        except ValueError:
            problem = (
                'The body must be JSON: {"request": "raw HTTP request text", "secret": "optional", "url": "optional"}.'
            )
        else:
            if not isinstance(parsed, dict):
                problem = 'The body must be a JSON object: {"request": "...", "secret": "...", "url": "..."}.'
            else:
                unknown = sorted(set(parsed) - {"request", "secret", "url"})
                wrong = [
                    name
                    for name in ("request", "secret", "url")
                    if parsed.get(name) not in (None, "") and not isinstance(parsed.get(name), str)
                ]
                if unknown:
                    problem = f"Unknown field {unknown[0][:40]!r}: the fields are request, secret and url."
                elif wrong:
                    problem = f"{wrong[0]} must be a string."
                elif any(SURROGATE.search(parsed.get(name) or "") for name in ("secret", "url")):
                    problem = (
                        "The secret or the URL holds a lone UTF-16 surrogate escape (such as \\ud800); send UTF-8 text."
                    )
                else:
                    data = {name: parsed[name] for name in ("request", "secret", "url") if parsed.get(name) is not None}
        form = cls(data)
        form.input_problem = problem
        return form

    input_problem = ""

    @sensitive_variables("cleaned_data", "secret")
    def clean(self):
        if self.input_problem:
            raise forms.ValidationError(self.input_problem)
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        secret = cleaned_data.get("secret", "")
        try:
            cleaned_data["result"] = check_request(
                cleaned_data["request"], secret=secret, url=cleaned_data.get("url", "")
            )
        except RequestInputError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned_data

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url:
            return ""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (a port that is not a number from 0 to 65535 raises ValueError)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme.lower() not in {"http", "https"}
            or not parts.hostname
            or any(ch.isspace() for ch in url)
        ):
            raise forms.ValidationError(
                "Give the lis_outcome_service_url as the launch sent it, such as "
                "https://canvas.example.edu/api/lti/v1/tools/123/grade_passback."
            )
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        if "\x00" in secret:
            raise forms.ValidationError("The consumer secret holds a NUL character; paste it as text.")
        return secret

    @property
    def result(self) -> OutcomeCheck:
        return self.cleaned_data["result"]


def first_error(form: forms.Form) -> str:
    """One sentence for a 400 answer: a body that is not the expected JSON first, then the fields in order."""
    if "__all__" in form.errors:
        return str(form.errors["__all__"][0])
    for errors in form.errors.values():
        return str(errors[0])
    return "The input could not be read."
