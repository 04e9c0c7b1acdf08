"""What a triage request sends, read and validated: the report (a text body, a form field
`text`, or an uploaded `file`) and its options (`column`, `vendor`, `format`).

Django's own form parsing keeps every non-file field under DATA_UPLOAD_MAX_MEMORY_SIZE
(1 MB), and a pasted report may be 5 MB: the body is read here instead, within the
per-address body limit the middleware enforces (TRIAGE_MAX_BODY_BYTES).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

from django import forms
from django.conf import settings
from django.http import HttpRequest, QueryDict

from errors_kb.forms import _undecodable_fields
from errors_kb.triage_input import TriageInputError, check_text, decode, size_error

FORMATS = (("html", "Show the answer on this page"), ("csv", "Download CSV"), ("json", "Download JSON"))
OPTION_FIELDS = ("column", "vendor", "format")


class TriageForm(forms.Form):
    text = forms.CharField(required=False, strip=False)
    column = forms.CharField(required=False, max_length=200)
    vendor = forms.CharField(required=False, max_length=100)
    format = forms.ChoiceField(required=False, choices=FORMATS)

    def __init__(self, *args, upload: bytes | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload = upload
        self.fields["text"].validators = []  # the report's size is checked in its own words below

    def clean_format(self) -> str:
        return self.cleaned_data["format"] or "html"

    def clean(self):
        data = super().clean()
        text = data.get("text") or ""
        if self.upload is None and not text.strip():
            raise forms.ValidationError("Paste a sync report or choose a file to upload.")
        return data


@dataclass
class Submission:
    fields: dict[str, str] = field(default_factory=dict)
    upload: bytes | None = None  # the uploaded file, when one was sent with content
    filename: str = ""


def _multipart(content_type: str, body: bytes) -> Submission:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise TriageInputError("The upload could not be read: send it as multipart/form-data.")
    found = Submission()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "file" and part.get_filename() is not None:
            if payload:
                found.upload, found.filename = payload, part.get_filename()
        elif name in ("text", *OPTION_FIELDS):
            try:
                found.fields[name] = payload.decode("utf-8")
            except UnicodeDecodeError:
                raise TriageInputError("The text could not be decoded as UTF-8; paste it as plain text.") from None
    return found


def read_submission(request: HttpRequest) -> Submission:
    """The report and options of a POST, whatever way it came. TriageInputError: unreadable."""
    max_bytes = settings.TRIAGE_MAX_BYTES
    content_type = request.content_type or ""
    body = request.read()
    if content_type == "multipart/form-data":
        found = _multipart(request.META.get("CONTENT_TYPE", ""), body)
    elif content_type == "application/x-www-form-urlencoded":
        raw = body.decode("latin-1")
        if _undecodable_fields(raw) & {"text", *OPTION_FIELDS}:
            raise TriageInputError("The text could not be decoded as UTF-8; paste it as plain text.")
        data = QueryDict(raw, encoding="utf-8")
        found = Submission({name: data[name] for name in ("text", *OPTION_FIELDS) if name in data})
    else:
        # A text body (text/plain or anything else); options come from the query string.
        found = Submission({name: request.GET[name] for name in OPTION_FIELDS if name in request.GET})
        found.upload = body if body else None
    if found.upload is not None and len(found.upload) > max_bytes:
        raise size_error(len(found.upload), max_bytes)
    text = found.fields.get("text")
    if text and len(text) > max_bytes and len(text.encode("utf-8")) > max_bytes:
        raise size_error(len(text.encode("utf-8")), max_bytes)
    return found


def report_text(form: TriageForm) -> str:
    """The report as text: the upload decoded (UTF-8 or UTF-16 with its mark), or the pasted text."""
    if form.upload is not None:
        return decode(form.upload, settings.TRIAGE_MAX_BYTES)
    text = form.cleaned_data["text"]
    check_text(text)
    return text
