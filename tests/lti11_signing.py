"""LTI 1.1 outcome requests for the tests, signed by oauthlib's own Client (the signer tools use),
never by the checker: the oracle shares no code with errors_kb/lti11.py."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from oauthlib.oauth1 import SIGNATURE_TYPE_AUTH_HEADER, Client

IMS = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
LAUNCH_URL = "https://canvas.example.edu/api/lti/v1/tools/4127/grade_passback"
KEY = "tool-consumer-key-2871"
SECRET = "Xq7-shared-secret-for-tests-b41c9e"
SOURCED_ID = "b8c9d0e1-4127-88410-36117-f3a9c2d0e7b61a4c"
THREAD_REQUEST = Path(__file__).resolve().parent / "data" / "lti11" / "thread_request.txt"


def outcome_xml(
    *,
    score: str | None = "0.92",
    language: str = "en",
    sourced_id: str | None = SOURCED_ID,
    root_attributes: str = f'xmlns="{IMS}"',
    operation: str = "replaceResultRequest",
    doctype: str = "",
) -> str:
    sourced = f"<sourcedGUID><sourcedId>{sourced_id}</sourcedId></sourcedGUID>" if sourced_id is not None else ""
    result = ""
    if score is not None and operation == "replaceResultRequest":
        result = (
            "<result><resultScore>"
            f"<language>{language}</language><textString>{score}</textString>"
            "</resultScore></result>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"{doctype}"
        f"<imsx_POXEnvelopeRequest {root_attributes}>\n"
        "  <imsx_POXHeader><imsx_POXRequestHeaderInfo><imsx_version>V1.0</imsx_version>"
        "<imsx_messageIdentifier>msg-7731</imsx_messageIdentifier></imsx_POXRequestHeaderInfo></imsx_POXHeader>\n"
        f"  <imsx_POXBody><{operation}><resultRecord>{sourced}{result}</resultRecord></{operation}></imsx_POXBody>\n"
        "</imsx_POXEnvelopeRequest>\n"
    )


def sign(
    body: str,
    *,
    method: str = "POST",
    url: str = LAUNCH_URL,
    secret: str = SECRET,
    content_type: str = "application/xml",
    body_hash: bool = True,
    timestamp: str | None = None,
) -> str:
    """The Authorization header oauthlib's Client makes for this request (with oauth_body_hash of
    the body, as oauthlib adds it for any content type but a form)."""
    client = Client(
        KEY,
        client_secret=secret,
        signature_type=SIGNATURE_TYPE_AUTH_HEADER,
        timestamp=timestamp,
    )
    _, headers, _ = client.sign(
        url, http_method=method, body=body if body_hash else None, headers={"Content-Type": content_type}
    )
    return headers["Authorization"]


def raw_request(
    body: str,
    authorization: str,
    *,
    method: str = "POST",
    url: str = LAUNCH_URL,
    content_type: str = "application/xml",
) -> str:
    """The request as a proxy or a log shows it: request line, headers, blank line, body."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"{method} {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        f"Content-Type: {content_type}",
        f"Authorization: {authorization}",
        f"Content-Length: {len(body.encode())}",
        "",
        "",
    ]
    return "\r\n".join(lines) + body


def signed_request(body: str | None = None, **options) -> str:
    """A correct request, or one with the defects `options` ask for, signed by oauthlib."""
    body = outcome_xml() if body is None else body
    send = {k: options[k] for k in ("method", "content_type", "url") if k in options}
    authorization = sign(body, **options)
    return raw_request(body, authorization, **send)
