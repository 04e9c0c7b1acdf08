"""The address of the client a request comes from, for rate limits and the admin lockout.

By default it is the address of the TCP peer (REMOTE_ADDR) and `X-Forwarded-For` is ignored:
anyone can send that header. Behind reverse proxies, `TRUSTED_PROXIES` says which of its
entries to believe:

- a number N: there are exactly N proxies in front of the portal, each appending the address
  it received the request from; the client is the N-th entry from the right;
- a list of addresses or networks (`10.0.0.5,192.168.0.0/24`): when the peer is one of them,
  the header is read from the right, skipping the trusted proxies; the first other address is
  the client.

IPv6 clients are grouped by their /64 network, which one subscriber usually holds whole.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(raw: str) -> int | tuple[Network, ...]:
    """`TRUSTED_PROXIES` as a proxy count or a tuple of networks (an empty tuple: trust none)."""
    raw = raw.strip()
    if not raw:
        return ()
    if raw.isdigit():
        return int(raw)
    networks = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES must be a number of proxies or a comma-separated list of addresses "
                f"or networks, not {item!r}"
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(request) -> str | None:
    """The client's address as text, or None when the request has none (django-axes' callable)."""
    peer = _address(request.META.get("REMOTE_ADDR", "")) if request is not None else None
    trusted = parse_trusted_proxies(str(getattr(settings, "TRUSTED_PROXIES", "")))
    client = peer
    if peer is not None and trusted:
        forwarded = [_address(part) for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if isinstance(trusted, int):
            if len(forwarded) >= trusted and forwarded[-trusted] is not None:
                client = forwarded[-trusted]
        elif _trusted(peer, trusted):
            for hop in reversed(forwarded):
                if hop is None:
                    break
                client = hop
                if not _trusted(hop, trusted):
                    break
    return None if client is None else str(client)


def client_ip(request) -> str:
    """What rate limits count by: the client's address (an IPv6 client's /64 network), never empty."""
    address = client_address(request)
    if address is None:
        return "unknown"
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return address
