"""Read a pasted raw HTTP request (as curl -v, a proxy or a log shows it) into its parts.

Plain Python, no database. Anything that is not an HTTP request, is cut off or holds binary
data raises `RequestInputError` with a sentence for the person who pasted it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 100_000  # an outcome request is a few KB; this bounds every later step's cost
MAX_HEADERS = 200

REQUEST_LINE = re.compile(r"([A-Za-z]{3,10})[ \t]+(\S+)(?:[ \t]+(HTTP/\d(?:\.\d)?))?[ \t]*")
HEADER_LINE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*(.*)")
# C0 controls other than tab, line feed and carriage return; U+FFFD is what undecodable bytes became;
# a lone surrogate is what a JSON "\ud800" escape becomes, and no UTF-8 text holds one.
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")
EXAMPLE_LINE = "POST /api/lti/v1/tools/1/grade_passback HTTP/1.1"


class RequestInputError(ValueError):
    """The paste cannot be read as an HTTP request; the message says why, for the person who pasted it."""


@dataclass(frozen=True)
class PastedRequest:
    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    body: str

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


def _shown(text: str, limit: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _curl_lines(lines: list[str]) -> list[str]:
    """curl -v marks what it sent with "> ", what came back with "< " and its own notes with "* "."""
    kept = []
    for line in lines:
        if line.startswith(">"):
            kept.append(line[2:] if line.startswith("> ") else line[1:])
        elif line[:2] in {"* ", "< ", "{ ", "} "} or line.rstrip("\r\n") in {"*", "<", "{", "}"}:
            continue  # curl's notes and the response; an XML body line starts with "<" and no space
        else:
            kept.append(line)
    return kept


def _body_lengths(body: str) -> set[int]:
    lf = body.replace("\r\n", "\n")
    return {len(body.encode()), len(lf.encode()), len(lf.replace("\n", "\r\n").encode())}


def parse_request(text: str, max_chars: int = MAX_CHARS) -> PastedRequest:
    if len(text) > max_chars:
        raise RequestInputError(
            f"The request is {len(text):,} characters long; the checker reads at most {max_chars:,} "
            "(an outcome request is a few KB). Paste one request."
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise RequestInputError(
            f"Paste the raw HTTP request: the request line ({EXAMPLE_LINE}), the headers and the XML body."
        )
    binary = BINARY.search(text)
    if binary:
        line = text.count("\n", 0, binary.start()) + 1
        raise RequestInputError(
            f"The paste holds binary data (character U+{ord(binary.group()):04X} on line {line}): "
            "paste the request as text, as curl -v or your log shows it."
        )
    lines = text.splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines[0].lstrip().startswith(("> ", "* ")):
        lines = _curl_lines([line.lstrip() if i == 0 else line for i, line in enumerate(lines)])
        while lines and not lines[0].strip():
            lines.pop(0)
    first = lines[0].rstrip("\r\n").strip() if lines else ""
    found = REQUEST_LINE.fullmatch(first)
    if not found:
        raise RequestInputError(
            f"This does not look like an HTTP request: its first line should be the request line, such as "
            f"“{EXAMPLE_LINE}”, not “{_shown(first)}”."
        )
    method, target, version = found.group(1), found.group(2), found.group(3) or ""

    headers: list[list[str]] = []
    index = 1
    body_start = None
    while index < len(lines):
        line = lines[index].rstrip("\r\n")
        if not line.strip():
            body_start = index + 1
            break
        if line[:1] in {" ", "\t"} and headers:  # an obsolete folded header line continues the one before
            headers[-1][1] += " " + line.strip()
        elif header := HEADER_LINE.fullmatch(line):
            if len(headers) >= MAX_HEADERS:
                raise RequestInputError(f"The request has more than {MAX_HEADERS} headers; paste one request.")
            headers.append([header.group(1), header.group(2).strip()])
        elif line.lstrip().startswith("<"):  # the body without the blank line before it
            body_start = index
            break
        else:
            raise RequestInputError(
                f"Line {index + 1} (“{_shown(line)}”) is neither a header (Name: value) nor the blank line "
                "that ends the headers before the body."
            )
        index += 1
    body = "".join(lines[body_start:]) if body_start is not None else ""
    request = PastedRequest(method, target, version, tuple((n, v) for n, v in headers), body)

    declared = request.header("Content-Length")
    if declared is not None and declared.strip().isdigit():
        expected = int(declared)
        if expected > max(_body_lengths(body)) + 2:
            got = len(body.encode())
            raise RequestInputError(
                f"The request looks cut off: its Content-Length is {expected:,} bytes but the paste has "
                f"{got:,} after the headers. Paste the whole request, body included."
            )
    return request
