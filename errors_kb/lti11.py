"""The LTI 1.1 Basic Outcomes request checker: a pasted request in, every rule passed or failed out.

Pure functions, no database: `check_request(text, secret, url)` returns an `OutcomeCheck` whose
`to_dict()` is the `/api/lti11/outcome-check` answer (../shared/DESIGN.md). Each check is
independent of the others' verdicts, so that one defect fails exactly its own rule; a check that
cannot run (the XML did not parse, no secret was given) has `passed=None` and says why.

What Canvas does, as read in the canvas-lms source (instructure/canvas-lms):
- app/controllers/lti_api_controller.rb `grade_passback` / `verify_oauth`: the signature is
  checked with `OAuth::Signature.build(request, consumer_secret: tool.shared_secret).verify`
  (401 "Invalid authorization header"), then the timestamp against
  `Setting.get("oauth.allowed_timestamp_delta", 90.minutes)` either way (401 "Timestamp too old
  or too far in the future"), then the nonce, then `request.content_type != "application/xml"`
  (415), then the XML (lib/basic_lti/basic_outcomes.rb, 422 with imsx_description).
- The oauth gem (ruby-oauth/oauth lib/oauth/helper.rb `parse_header`) splits the header after
  "OAuth " at every "=", "," and "&", refuses an odd number of pieces, unescapes each piece,
  strips one pair of surrounding quotes and pairs the pieces up; request_proxy/base.rb keeps the
  `oauth_` names. A raw "=" in a value therefore shifts names and values (`canvas_reading`).
- Neither Canvas nor the gem recomputes oauth_body_hash over the body: the hash is covered by
  the signature only. The LTI 1.1 specification requires it to match, and other platforms check.

The base string and the HMAC-SHA1 signature are computed by oauthlib (RFC 5849 sections 3.4.1
and 3.4.2); the XML is parsed by defusedxml, which refuses entity declarations and external
references and never opens the network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from django.urls import reverse
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature as oauth_signature

from errors_kb.lti11_request import PastedRequest, RequestInputError, parse_request

__all__ = ["CHECKS", "ENTRY_LINKS", "Check", "OutcomeCheck", "RequestInputError", "check_request"]

IMS_NAMESPACE = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
TIMESTAMP_WINDOW_SECONDS = 90 * 60  # Canvas's oauth.allowed_timestamp_delta default
# Bounds on the work one check does, far above any real outcome request (about 8 OAuth parameters
# and 20 elements); the paste itself is at most lti11_request.MAX_CHARS characters.
MAX_HEADER_PARAMS = 64
MAX_XML_TAGS = 2000
MAX_CANVAS_PIECES = 4 * MAX_HEADER_PARAMS  # Canvas's split of a header is shown up to this many pieces
OPERATIONS = ("replaceResultRequest", "readResultRequest", "deleteResultRequest")
REQUIRED_OAUTH = (
    "oauth_consumer_key",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_body_hash",
    "oauth_signature",
)
ENCODED_OR_UNRESERVED = re.compile(r"%[0-9A-Fa-f]{2}|[A-Za-z0-9\-._~]+")
PLAIN_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")

# Every check, in the contract's order, with the rule it states on the page.
CHECKS: tuple[tuple[str, str], ...] = (
    ("method", "The HTTP method is POST"),
    ("content_type", "Content-Type is application/xml"),
    ("auth_header_parse", "The Authorization header is an OAuth header"),
    ("auth_header_encoding", "Header values are quoted and percent-encoded"),
    ("oauth_params", "Each OAuth parameter is present once"),
    ("timestamp", "oauth_timestamp is recent"),
    ("body_hash", "oauth_body_hash matches the body"),
    ("xml_wellformed", "The XML is well-formed and safe"),
    ("xml_namespace", "The XML is in the IMS namespace"),
    ("xml_structure", "Envelope, header and operation"),
    ("sourced_id", "A sourcedId is given"),
    ("score_range", "The score is 0.0 to 1.0, with a language"),
    ("signature", "The OAuth signature matches"),
)
LABELS = dict(CHECKS)


@dataclass(frozen=True)
class EntryLink:
    """Where a failed check is explained: an entry of the vendor `lti-1-1` and one of its causes."""

    entry_slug: str
    cause: int
    vendor_slug: str = "lti-1-1"

    def url(self) -> str:
        return reverse("entry_detail", args=[self.vendor_slug, self.entry_slug]) + f"#cause-{self.cause}"


AUTH = "401-invalid-authorization-header"
EXPIRED = "401-request-expired-or-duplicate-nonce"
CONTENT_TYPE = "415-content-type-must-be-application-xml"
OUTCOME_FAILURE = "422-outcome-failure"
UNHANDLED = "422-request-could-not-be-handled"

# The one place that says which entry and cause explain a failed check. A check may name a more
# precise reason ("content_type.parameter"); tests/test_lti11_links.py checks each against the fixtures.
ENTRY_LINKS: dict[str, EntryLink] = {
    "method": EntryLink(AUTH, 2),
    "content_type": EntryLink(CONTENT_TYPE, 1),
    "content_type.parameter": EntryLink(CONTENT_TYPE, 2),
    "auth_header_parse": EntryLink(AUTH, 3),
    "auth_header_encoding": EntryLink(AUTH, 3),
    "oauth_params": EntryLink(AUTH, 2),
    "oauth_params.signature_method": EntryLink(AUTH, 4),
    "timestamp": EntryLink(EXPIRED, 1),
    "body_hash": EntryLink(AUTH, 2),
    "xml_wellformed": EntryLink(UNHANDLED, 1),
    "xml_wellformed.encoding": EntryLink(UNHANDLED, 3),
    "xml_namespace": EntryLink(UNHANDLED, 1),
    "xml_structure": EntryLink(UNHANDLED, 1),
    "xml_structure.operation": EntryLink(UNHANDLED, 2),
    "sourced_id": EntryLink(OUTCOME_FAILURE, 2),
    "score_range": EntryLink(OUTCOME_FAILURE, 5),
    "signature": EntryLink(AUTH, 1),
    "signature.base_string": EntryLink(AUTH, 2),
}


@dataclass(frozen=True)
class Check:
    id: str
    passed: bool | None
    detail: str
    reason: str | None = None  # a key of ENTRY_LINKS when the default one for `id` is not the best
    evidence: tuple[str, ...] = ()  # verbatim blocks: a base string, how Canvas splits a header

    @property
    def label(self) -> str:
        return LABELS[self.id]

    @property
    def link(self) -> EntryLink | None:
        if self.passed is not False:
            return None
        return ENTRY_LINKS[self.reason or self.id]

    @property
    def entry_url(self) -> str | None:
        return self.link.url() if self.link else None

    def to_dict(self) -> dict:
        detail = "\n".join([self.detail, *self.evidence])
        return {"id": self.id, "passed": self.passed, "detail": detail, "entry_url": self.entry_url}


@dataclass(frozen=True)
class OutcomeCheck:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """No rule failed (a rule that could not be checked, such as the signature without a secret, is not a failure)."""
        return all(check.passed is not False for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.passed is False]

    @property
    def unchecked(self) -> list[Check]:
        return [check for check in self.checks if check.passed is None]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "checks": [check.to_dict() for check in self.checks]}


# ---------------------------------------------------------------- the Authorization header


@dataclass(frozen=True)
class HeaderParam:
    name: str
    raw: str  # as written between the quotes (or up to the comma when unquoted)
    quoted: bool

    @property
    def value(self) -> str:
        return unquote(self.raw)


@dataclass
class OAuthHeader:
    scheme: str = ""
    params: list[HeaderParam] = field(default_factory=list)
    problem: str = ""  # why it does not parse; empty when it does

    def values(self, name: str) -> list[str]:
        return [p.value for p in self.params if p.name == name]

    def one(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if len(values) == 1 else None

    def oauth_pairs(self) -> list[tuple[str, str]]:
        return [(p.name, p.value) for p in self.params if p.name.startswith("oauth_")]


def parse_oauth_header(value: str) -> OAuthHeader:
    """RFC 5849 section 3.5.1, read tolerantly: quoted values may hold any character but a quote,
    so that the values meant are known even when they were not percent-encoded."""
    scheme, _, rest = value.strip().partition(" ")
    header = OAuthHeader(scheme=scheme)
    if scheme.lower() != "oauth":
        header.problem = f"it starts with “{scheme[:40]}”, not “OAuth ”"
        return header
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t,":
            i += 1
        if i >= n:
            break
        if len(header.params) >= MAX_HEADER_PARAMS:
            header.problem = f"it holds more than {MAX_HEADER_PARAMS} parameters (an OAuth header has about 8)"
            return header
        equals = rest.find("=", i)
        comma = rest.find(",", i)
        if equals < 0 or (0 <= comma < equals):
            end = comma if comma >= 0 else n
            header.problem = f"“{rest[i:end].strip()[:60]}” has no “=value”"
            return header
        name = rest[i:equals].strip()
        i = equals + 1
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] == '"':
            close = rest.find('"', i + 1)
            if close < 0:
                header.problem = f"the value of {name} has no closing double quote"
                return header
            header.params.append(HeaderParam(name, rest[i + 1 : close], quoted=True))
            i = close + 1
            after = rest.find(",", i)
            junk = (rest[i:after] if after >= 0 else rest[i:]).strip()
            if junk:
                header.problem = f"after the quoted value of {name} comes “{junk[:40]}” instead of a comma"
                return header
            i = after if after >= 0 else n
        else:
            end = rest.find(",", i)
            end = end if end >= 0 else n
            header.params.append(HeaderParam(name, rest[i:end].strip(), quoted=False))
            i = end
    if not header.params:
        header.problem = "it holds no parameters"
    return header


def _ruby_split(text: str) -> list[str]:
    """Ruby's String#split(/[,=&]/): like re.split, but trailing empty pieces are dropped."""
    pieces = re.split(r"[,=&]", text)
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


def _ruby_unescape(piece: str) -> str:
    """OAuth::Helper.unescape: "+" stays a plus; %XX escapes are decoded."""
    return unquote(piece.replace("+", "%2B"))


def canvas_reading(header_value: str) -> tuple[list[str], dict[str, str] | None]:
    """The pieces and the name/value pairs Canvas's OAuth library reads from an Authorization header
    (OAuth::Helper.parse_header); None when it refuses it. RequestProxy::Base#header_params then keeps
    the names that start with oauth_."""
    pieces = _ruby_split(header_value[6:])
    if len(pieces) % 2 or len(pieces) > MAX_CANVAS_PIECES:
        return pieces, None
    cleaned = []
    for piece in pieces:
        value = _ruby_unescape(piece.strip())
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        cleaned.append(value)
    return pieces, dict(zip(cleaned[0::2], cleaned[1::2], strict=True))


# ---------------------------------------------------------------- the checks


def _check_method(request: PastedRequest) -> Check:
    if request.method == "POST":
        return Check("method", True, "The request is a POST.")
    return Check(
        "method",
        False,
        f"The request is a {request.method}: Canvas's grade passback route takes POST only, and the signature "
        "must be made over the method sent. A redirect (http to https, another host name) makes many HTTP "
        "clients re-send a POST as a GET.",
    )


def _check_content_type(request: PastedRequest) -> Check:
    values = request.header_values("Content-Type")
    if not values:
        return Check(
            "content_type",
            False,
            "The request has no Content-Type header: Canvas answers 415 “Content-Type must be 'application/xml'”.",
        )
    if len(values) > 1:
        return Check("content_type", False, f"The request has {len(values)} Content-Type headers; send one.")
    value = values[0].strip()
    if value == "application/xml":
        return Check("content_type", True, "Content-Type is application/xml.")
    if value.split(";")[0].strip().lower() == "application/xml":
        return Check(
            "content_type",
            False,
            f"Content-Type is “{value}”: Canvas compares the whole header with the exact string application/xml "
            "and answers 415 for anything else. Name the encoding in the XML declaration instead.",
            reason="content_type.parameter",
        )
    also = ""
    if value.lower().startswith("application/x-www-form-urlencoded"):
        also = " With a form-encoded type Canvas's OAuth library also signs the body, so it usually answers 401 first."
    return Check(
        "content_type",
        False,
        f"Content-Type is “{value[:100]}”: Canvas answers 415 “Content-Type must be 'application/xml'”.{also}",
    )


def _check_auth_parse(request: PastedRequest) -> tuple[Check, OAuthHeader | None]:
    values = request.header_values("Authorization")
    if not values:
        return Check(
            "auth_header_parse",
            False,
            "The request has no Authorization header: the outcome service needs an OAuth 1.0 header (RFC 5849 "
            "section 3.5.1), so Canvas answers 401 “Invalid authorization header”.",
        ), None
    if len(values) > 1:
        return Check(
            "auth_header_parse", False, f"The request has {len(values)} Authorization headers; send one."
        ), None
    header = parse_oauth_header(values[0])
    if header.problem:
        return Check(
            "auth_header_parse",
            False,
            f"The Authorization header does not parse as an OAuth header: {header.problem}. Write it as "
            'OAuth name="value", name="value", … (RFC 5849 section 3.5.1).',
        ), None
    if not values[0].startswith("OAuth "):
        return Check(
            "auth_header_parse",
            False,
            f"The header starts with “{values[0][:6]}”: Canvas's OAuth library reads the header only when it starts "
            "with exactly “OAuth ” (capital O and A, one space), and otherwise sees no OAuth parameters at all.",
        ), None
    count = len(header.params)
    return Check("auth_header_parse", True, f"An OAuth header with {count} parameters."), header


def _check_encoding(request: PastedRequest, header: OAuthHeader | None) -> Check:
    if header is None:
        return Check("auth_header_encoding", None, "Not checked: the Authorization header did not parse.")
    raw_header = request.header("Authorization") or ""
    problems = []
    for param in header.params:
        if not param.quoted:
            problems.append(f"{param.name}={param.raw[:60]} is not between double quotes")
        bad = _unencoded(param.raw)
        if bad:
            shown = ", ".join(f"a raw “{ch}” (send {_escape_hint(ch)})" for ch in bad)
            problems.append(f'{param.name}="{param.raw[:60]}" holds {shown}')
    pieces, canvas = canvas_reading(raw_header)
    meant = dict(header.oauth_pairs())
    evidence: list[str] = []
    consequence = ""
    if canvas is None and len(pieces) > MAX_CANVAS_PIECES:
        consequence = (
            f" Canvas's OAuth library (the oauth gem's OAuth::Helper.parse_header) splits the header at every “=”, "
            f"“,” and “&” into {len(pieces):,} pieces, so the names and values it reads are not the ones signed."
        )
    elif canvas is None:
        evidence.append("Canvas splits the header after “OAuth ” at every “=”, “,” and “&”:\n" + " | ".join(pieces))
        consequence = (
            f" Canvas's OAuth library (the oauth gem's OAuth::Helper.parse_header) splits the header at every “=”, "
            f"“,” and “&” into {len(pieces)} pieces, an odd number, and refuses it outright: 401 “Invalid "
            "authorization header”."
        )
    elif {name: value for name, value in canvas.items() if name.startswith("oauth_")} != meant:
        evidence.append("Canvas splits the header after “OAuth ” at every “=”, “,” and “&”:\n" + " | ".join(pieces))
        evidence.append(
            "and pairs the pieces, so Canvas reads:\n"
            + "\n".join(f"{name}: {value}" for name, value in canvas.items())
            + _lost(meant, canvas)
        )
        consequence = (
            " Canvas's OAuth library (the oauth gem's OAuth::Helper.parse_header) splits the header at every “=”, "
            "“,” and “&”, so a raw “=” shifts names and values: Canvas reads other values than the ones signed and "
            "the signature can never match (401 “Invalid authorization header”)."
        )
    if not problems:
        return Check("auth_header_encoding", True, "Every value is between double quotes and percent-encoded.")
    if not consequence:
        consequence = (
            " Canvas's OAuth library reads these values as meant today, but other platforms refuse them or read a "
            "raw “+” as a space."
        )
    detail = (
        "RFC 5849 section 3.5.1 wants every value percent-encoded (section 3.6) and between double quotes: "
        + "; ".join(problems)
        + "."
        + consequence
    )
    return Check("auth_header_encoding", False, detail, evidence=tuple(evidence))


def _unencoded(raw: str) -> list[str]:
    """The characters RFC 5849 section 3.6 wants percent-encoded that are written as they are, in order."""
    return list(dict.fromkeys(ENCODED_OR_UNRESERVED.sub("", raw)))


def _escape_hint(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode())


def _lost(meant: dict[str, str], canvas: dict[str, str]) -> str:
    canvas = {name: value for name, value in canvas.items() if name.startswith("oauth_")}
    missing = [name for name in meant if name not in canvas]
    changed = [name for name in meant if name in canvas and canvas[name] != meant[name]]
    lines = []
    if missing:
        lines.append("Canvas finds no " + ", no ".join(missing) + ".")
    if changed:
        lines.append("Canvas reads another value for " + ", ".join(changed) + ".")
    return ("\n" + " ".join(lines)) if lines else ""


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _check_oauth_params(header: OAuthHeader | None) -> Check:
    if header is None:
        return Check("oauth_params", None, "Not checked: the Authorization header did not parse.")
    problems = []
    reason = None
    for name in REQUIRED_OAUTH:
        values = header.values(name)
        if not values:
            problems.append(f"{name} is missing")
        elif len(values) > 1:
            problems.append(f"{name} is there {len(values)} times")
        elif not values[0]:
            problems.append(f"{name} is empty")
    method = header.one("oauth_signature_method")
    if method is not None and method and method != "HMAC-SHA1":
        problems.append(f"oauth_signature_method is {method[:40]}, not HMAC-SHA1 (the method LTI 1.1 uses)")
        if len(problems) == 1:
            reason = "oauth_params.signature_method"
    versions = header.values("oauth_version")
    if not versions:
        # RFC 5849 section 3.1 lets OAuth clients leave it out, and Canvas's parser does not
        # insist, but LTI 1.1 lists oauth_version=1.0 among the parameters a tool sends.
        problems.append(
            'oauth_version is missing (LTI 1.1 asks for oauth_version="1.0"; Canvas may accept the request '
            "without it, other consumers may not)"
        )
    elif len(versions) > 1:
        problems.append(f"oauth_version is there {len(versions)} times")
    elif versions[0] != "1.0":
        problems.append(f"oauth_version is {versions[0][:20]}, not 1.0")
    if problems:
        return Check("oauth_params", False, _sentence(problems), reason=reason)
    return Check(
        "oauth_params",
        True,
        "oauth_consumer_key, oauth_signature_method (HMAC-SHA1), oauth_timestamp, oauth_nonce, oauth_version (1.0), "
        "oauth_body_hash and oauth_signature are each there once.",
    )


def _check_timestamp(header: OAuthHeader | None, now: float) -> Check:
    value = header.one("oauth_timestamp") if header else None
    if not value:
        return Check("timestamp", None, "Not checked: the header has no single oauth_timestamp.")
    if not (value.isascii() and value.isdigit()):
        return Check("timestamp", False, f"oauth_timestamp “{value[:40]}” is not a whole number of seconds.")
    stamp = int(value)
    if stamp > 10**11:
        return Check(
            "timestamp",
            False,
            f"oauth_timestamp {value} looks like milliseconds: send the Unix time in seconds.",
        )
    delta = stamp - now
    window = TIMESTAMP_WINDOW_SECONDS // 60
    if abs(delta) <= TIMESTAMP_WINDOW_SECONDS:
        return Check("timestamp", True, f"oauth_timestamp is {_duration(delta)} now, within Canvas's {window} minutes.")
    return Check(
        "timestamp",
        False,
        f"oauth_timestamp {value} is {_duration(delta)} now: Canvas accepts {window} minutes either way "
        "(oauth.allowed_timestamp_delta) and answers 401 “Timestamp too old or too far in the future, request has "
        "expired”. A request pasted from an old log fails here even if it was right when sent; sign every attempt anew.",
    )


def _duration(delta: float) -> str:
    seconds = abs(int(delta))
    if seconds < 120:
        amount = f"{seconds} seconds"
    elif seconds < 2 * 3600:
        amount = f"{seconds // 60} minutes"
    elif seconds < 3 * 86400:
        amount = f"{seconds // 3600} hours"
    else:
        amount = f"{seconds // 86400:,} days"
    return f"{amount} {'after' if delta > 0 else 'before'}"


def _body_variants(body: str) -> list[tuple[str, bytes]]:
    """The body as pasted and as it may have been sent: a paste box turns line breaks into CRLF, and
    a copy may gain or lose the final line break."""
    lf = body.replace("\r\n", "\n")
    forms = [("as pasted", body), ("with LF line endings", lf), ("with CRLF line endings", lf.replace("\n", "\r\n"))]
    variants: dict[bytes, str] = {}
    for label, text in forms:
        for suffix_label, candidate in ((label, text), (f"{label}, without the final line break", text.rstrip("\r\n"))):
            variants.setdefault(candidate.encode(), suffix_label)
    return [(label, data) for data, label in variants.items()]


def _equal(one: str, other: str) -> bool:
    """Constant-time comparison of a computed value with a pasted one (which may hold any character)."""
    return hmac.compare_digest(one.encode(), other.encode())


def _sha1_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324 (the OAuth body hash is SHA-1)


def _check_body_hash(request: PastedRequest, header: OAuthHeader | None) -> tuple[Check, bytes]:
    variants = _body_variants(request.body)
    body = variants[0][1]
    sent = header.one("oauth_body_hash") if header else None
    if not sent:
        return Check("body_hash", None, "Not checked: the header has no single oauth_body_hash."), body
    for label, data in variants:
        if _equal(_sha1_b64(data), sent):
            how = "" if label == "as pasted" else f" (the body {label}, as a paste box may have changed them)"
            return Check(
                "body_hash", True, f"oauth_body_hash is base64(SHA-1) of the {len(data):,} body bytes{how}."
            ), data
    return Check(
        "body_hash",
        False,
        f"oauth_body_hash is {sent[:60]}, but base64(SHA-1) of the {len(body):,} body bytes is {_sha1_b64(body)}: "
        "hash the exact bytes sent, after the body is final (score and sourcedId filled in), in the same encoding. "
        "Canvas itself does not recompute the hash today (it only checks the signature over it), but the LTI 1.1 "
        "specification requires it and other platforms refuse the request.",
    ), body


@dataclass
class ParsedXml:
    root: Element | None = None
    check: Check | None = None
    unread: str = "Not checked: the XML did not parse."  # what the later XML checks say without a root


XML_DECLARATION = re.compile(rb"""\A<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _check_xml(body: bytes) -> ParsedXml:
    if not body.strip():
        return ParsedXml(
            check=Check(
                "xml_wellformed",
                False,
                "The request has no body: a Basic Outcomes request carries an imsx_POXEnvelopeRequest XML document.",
            )
        )
    tags = body.count(b"<")
    if tags > MAX_XML_TAGS:
        return ParsedXml(
            check=Check(
                "xml_wellformed",
                None,
                f"Not checked: the body holds {tags:,} tags; an outcome request holds about 20, and the checker reads "
                f"at most {MAX_XML_TAGS:,}.",
            ),
            unread="Not checked: the XML was too large to read.",
        )
    declared = XML_DECLARATION.match(body)
    if declared and declared.group(1).decode("ascii", "replace").upper() != "UTF-8":
        name = declared.group(1).decode("ascii", "replace")[:40]
        return ParsedXml(
            check=Check(
                "xml_wellformed",
                False,
                f'The XML declaration names the encoding “{name}”: declare encoding="UTF-8" and send UTF-8 '
                "(Canvas's XML parser does not know names such as utf8).",
                reason="xml_wellformed.encoding",
            )
        )
    try:
        root = SafeElementTree.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden) as refused:
        what = "an external entity" if getattr(refused, "sysid", None) else "an entity"
        return ParsedXml(
            check=Check(
                "xml_wellformed",
                False,
                f"Refused as unsafe: the XML declares {what} ({getattr(refused, 'name', '')}) in a DOCTYPE. An outcome "
                "request has no DTD or entities, and the checker never expands entities or opens the network.",
            )
        )
    except DefusedXmlException:
        return ParsedXml(check=Check("xml_wellformed", False, "Refused as unsafe: the XML uses a forbidden construct."))
    except ParseError as error:
        return ParsedXml(check=Check("xml_wellformed", False, f"The body is not well-formed XML: {error}."))
    return ParsedXml(root=root, check=Check("xml_wellformed", True, "The body is well-formed XML, with no entities."))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _child(element: Element | None, name: str) -> Element | None:
    """The first child named `name` in any namespace or none (ElementTree's "{*}" wildcard, in C)."""
    return None if element is None else element.find("{*}" + name)


def _path(element: Element | None, *names: str) -> Element | None:
    for name in names:
        element = _child(element, name)
    return element


def _check_namespace(root: Element | None, body: bytes, unread: str) -> Check:
    if root is None:
        return Check("xml_namespace", None, unread)
    name = _local(root.tag)
    found = _namespace(root.tag)
    if found != IMS_NAMESPACE:
        start = re.search(rb"<(?:[\w.-]+:)?" + re.escape(name.encode()) + rb"\b[^>]*>", body)
        empty = start is not None and re.search(rb"""\sxmlns\s*=\s*(""|'')""", start.group()) is not None
        if empty:
            what = f'{name} has xmlns=""'
        elif found:
            what = f"{name} is in the namespace {found}"
        else:
            what = f"{name} has no namespace (no xmlns)"
        return Check(
            "xml_namespace",
            False,
            f"{what}; expected {IMS_NAMESPACE}. The LTI 1.1 outcome service defines its elements in that namespace: "
            "Canvas finds them by name today, but other platforms and validators refuse the request.",
        )
    stray = next(
        (e for e in root.iter() if isinstance(e.tag, str) and _namespace(e.tag) != IMS_NAMESPACE),
        None,
    )
    if stray is not None:
        where = _namespace(stray.tag) or 'no namespace (xmlns="")'
        return Check(
            "xml_namespace",
            False,
            f"{_local(stray.tag)} is in {where}; every element must be in {IMS_NAMESPACE}.",
        )
    return Check("xml_namespace", True, f"{name} and every element in it are in {IMS_NAMESPACE}.")


def _operation(root: Element | None) -> Element | None:
    body = _child(root, "imsx_POXBody")
    if body is None:
        return None
    children = [c for c in body if isinstance(c.tag, str)]
    return children[0] if children and _local(children[0].tag) in OPERATIONS else None


def _check_structure(root: Element | None, unread: str) -> Check:
    if root is None:
        return Check("xml_structure", None, unread)
    if _local(root.tag) != "imsx_POXEnvelopeRequest":
        return Check(
            "xml_structure", False, f"The root element is {_local(root.tag)[:60]}, not imsx_POXEnvelopeRequest."
        )
    problems = []
    reason = None
    header = _child(root, "imsx_POXHeader")
    if header is None:
        problems.append("imsx_POXHeader is missing")
    else:
        identifier = _path(header, "imsx_POXRequestHeaderInfo", "imsx_messageIdentifier")
        if identifier is None:
            problems.append("imsx_POXHeader has no imsx_POXRequestHeaderInfo/imsx_messageIdentifier")
        elif not (identifier.text or "").strip():
            problems.append("imsx_messageIdentifier is empty")
    body = _child(root, "imsx_POXBody")
    if body is None:
        problems.append("imsx_POXBody is missing")
    else:
        children = [c for c in body if isinstance(c.tag, str)]
        if not children:
            problems.append("imsx_POXBody holds no operation (Canvas answers 422 “Request could not be handled”)")
        elif _local(children[0].tag) not in OPERATIONS:
            problems.append(
                f"imsx_POXBody's operation is {_local(children[0].tag)[:60]}, not replaceResultRequest, "
                "readResultRequest or deleteResultRequest"
            )
            reason = "xml_structure.operation" if len(problems) == 1 else None
        elif len(children) > 1:
            problems.append(f"imsx_POXBody holds {len(children)} elements; Canvas reads only the first")
    if problems:
        return Check("xml_structure", False, _sentence(problems), reason=reason)
    operation = _local(_operation(root).tag)
    return Check("xml_structure", True, f"imsx_POXEnvelopeRequest with imsx_messageIdentifier and {operation}.")


def _check_sourced_id(root: Element | None, unread: str) -> Check:
    if root is None:
        return Check("sourced_id", None, unread)
    operation = _operation(root)
    if operation is None:
        return Check("sourced_id", None, "Not checked: imsx_POXBody holds no known operation.")
    sourced_id = _path(operation, "resultRecord", "sourcedGUID", "sourcedId")
    if sourced_id is None:
        return Check(
            "sourced_id",
            False,
            f"{_local(operation.tag)} has no resultRecord/sourcedGUID/sourcedId: Canvas answers 422 “Invalid "
            "sourcedid”. Send the lis_result_sourcedid of the student's launch.",
        )
    if not (sourced_id.text or "").strip():
        return Check("sourced_id", False, "sourcedId is empty: Canvas answers 422 “Invalid sourcedid”.")
    return Check(
        "sourced_id", True, f"sourcedId is given ({len(sourced_id.text.strip())} characters; Canvas checks its value)."
    )


def _check_score(root: Element | None, unread: str) -> Check:
    if root is None:
        return Check("score_range", None, unread)
    operation = _operation(root)
    if operation is None:
        return Check("score_range", None, "Not checked: imsx_POXBody holds no known operation.")
    if _local(operation.tag) != "replaceResultRequest":
        return Check("score_range", None, f"Not applicable: a {_local(operation.tag)} carries no score.")
    result = _path(operation, "resultRecord", "result")
    score = _path(result, "resultScore")
    text = _child(score, "textString")
    if score is None or text is None:
        if _child(result, "resultTotalScore") is not None:
            return Check("score_range", True, "No resultScore: the grade is in Canvas's resultTotalScore extension.")
        if _child(result, "resultData") is not None:
            return Check("score_range", True, "No resultScore: Canvas records the resultData only.")
        return Check(
            "score_range",
            False,
            "replaceResultRequest has no resultRecord/result/resultScore/textString (nor resultData): Canvas "
            "answers 422 “No score given”.",
        )
    value = (text.text or "").strip()
    if not PLAIN_NUMBER.fullmatch(value):
        return Check(
            "score_range",
            False,
            f"resultScore “{value[:40]}” is not a plain number: Canvas answers 422 “Unable to parse resultScore”. "
            "Send a decimal with a dot, such as 0.85.",
        )
    number = float(value)
    if not 0.0 <= number <= 1.0:
        return Check(
            "score_range",
            False,
            f"resultScore {value} is not between 0.0 and 1.0: Canvas answers 422 “Score is not between 0 and 1”. "
            "Send the share of the points, such as 0.85 for 85%.",
        )
    language = _child(score, "language")
    if language is None or not (language.text or "").strip():
        return Check(
            "score_range",
            False,
            f"resultScore {value} has no language: the LTI 1.1 outcome service requires resultScore/language "
            "(such as en) beside textString. Canvas ignores it; other platforms refuse the request.",
        )
    return Check("score_range", True, f"resultScore {value}, language {language.text.strip()[:20]}.")


def _request_url(request: PastedRequest) -> str | None:
    if request.target.lower().startswith(("http://", "https://")):
        return request.target
    host = request.header("Host")
    if not host or not request.target.startswith("/"):
        return None
    return f"https://{host.strip()}{request.target}"


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    other = "http" if parts.scheme == "https" else "https"
    path = parts.path.rstrip("/") if parts.path.endswith("/") else parts.path + "/"
    return [urlunsplit(parts._replace(scheme=other)), urlunsplit(parts._replace(path=path))]


def _base_string(method: str, url: str, header: OAuthHeader) -> str:
    """The signature base string (RFC 5849 section 3.4.1), built by oauthlib: the method, the base
    string URI and the normalised oauth_ parameters of the header (oauth_signature left out) and query."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    params = [(name, value) for name, value in header.oauth_pairs() if name != "oauth_signature"] + query
    return oauth_signature.signature_base_string(
        method.upper(), oauth_signature.base_string_uri(url), oauth_signature.normalize_parameters(params)
    )


@sensitive_variables("secret")
def _hmac_sha1(base: str, secret: str) -> str:
    """RFC 5849 section 3.4.2, by oauthlib: the key is the encoded secret and "&" (no token secret)."""
    return oauth_signature.sign_hmac_sha1_with_client(base, Client("", client_secret=secret))


@sensitive_variables("secret")
def _check_signature(request: PastedRequest, header: OAuthHeader | None, secret: str, url: str) -> Check:
    if header is None:
        return Check("signature", None, "Not checked: the Authorization header did not parse.")
    sent = header.one("oauth_signature")
    method = header.one("oauth_signature_method")
    if not sent or method != "HMAC-SHA1":
        return Check("signature", None, "Not checked: the header has no single oauth_signature made with HMAC-SHA1.")
    line_url = _request_url(request)
    launch_url = url or line_url
    if not launch_url:
        return Check(
            "signature",
            None,
            "Not checked: the request line has a path but no Host header; give the lis_outcome_service_url.",
        )
    try:
        base = _base_string(request.method, launch_url, header)
    except ValueError as error:
        return Check("signature", None, f"Not checked: the URL {launch_url[:200]} cannot be used ({error}).")
    evidence = (f"Base string:\n{base}",)
    if not secret:
        return Check(
            "signature",
            None,
            "Not checked: give the consumer secret to compare the signature. The base string Canvas rebuilds from "
            "this request is below; compare it with the one your tool signs.",
            evidence=evidence,
        )
    expected = _hmac_sha1(base, secret)
    if _equal(expected, sent):
        return Check(
            "signature",
            True,
            "The HMAC-SHA1 signature matches the base string below with the secret given.",
            evidence=evidence,
        )
    # Which other URL, if any, the tool signed: the request line's own, or a scheme or slash away.
    tried = [line_url] if url and line_url and line_url != url else []
    tried += _url_variants(launch_url)
    for candidate in tried:
        try:
            other_base = _base_string(request.method, candidate, header)
        except ValueError:
            continue
        if _equal(_hmac_sha1(other_base, secret), sent):
            if candidate == line_url:
                what = (
                    f"The signature verifies against the request line's own URL ({candidate[:200]}) but not against the "
                    f"given launch URL ({launch_url[:200]}): send the request to, and sign, the exact "
                    "lis_outcome_service_url of the launch."
                )
            else:
                what = (
                    f"The signature was made over {candidate[:200]}, not {launch_url[:200]}: the base string differs in "
                    "its URL. Sign the exact URL the request is sent to."
                )
            return Check(
                "signature",
                False,
                what,
                reason="signature.base_string",
                evidence=(f"Base string Canvas rebuilds:\n{base}", f"Base string your tool signed:\n{other_base}"),
            )
    elsewhere = ""
    if url and line_url and _same_base_uri(url, line_url) is False:
        elsewhere = f" The request line sends it to {line_url[:200]}, not to the launch URL {url[:200]}."
    return Check(
        "signature",
        False,
        f"oauth_signature is {sent[:60]}, but HMAC-SHA1 over the base string below with the secret given is "
        f"{expected}. Compare the base string with the one your tool signed: if they differ, the method, URL or a "
        "parameter differs (see “Signature base string mismatch”); if they are equal, the secret is not the one "
        f"Canvas holds for this tool.{elsewhere}",
        evidence=evidence,
    )


def _same_base_uri(one: str, other: str) -> bool | None:
    try:
        return oauth_signature.base_string_uri(one) == oauth_signature.base_string_uri(other)
    except ValueError:
        return None


@sensitive_variables("secret")
def check_request(text: str, secret: str = "", url: str = "", now: float | None = None) -> OutcomeCheck:
    """Every check, in the contract's order. Raises RequestInputError for a paste that is not a request."""
    request = parse_request(text)
    now = time.time() if now is None else now
    parse, header = _check_auth_parse(request)
    body_hash, body = _check_body_hash(request, header)
    xml = _check_xml(body)
    checks = (
        _check_method(request),
        _check_content_type(request),
        parse,
        _check_encoding(request, header),
        _check_oauth_params(header),
        _check_timestamp(header, now),
        body_hash,
        xml.check,
        _check_namespace(xml.root, body, xml.unread),
        _check_structure(xml.root, xml.unread),
        _check_sourced_id(xml.root, xml.unread),
        _check_score(xml.root, xml.unread),
        _check_signature(request, header, secret, url),
    )
    return OutcomeCheck(checks)
