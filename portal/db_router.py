"""Read replica routing: public pages and the search read from "replica", writes and the admin use the primary.

Settings add the "replica" database when DATABASE_REPLICA_URL is set; without it every
query goes to "default" and this router changes nothing. Reads go to the primary when

- the model is one whose rows a request must see as soon as they are written (sessions,
  accounts, permissions, the admin's log, revisions);
- the request is pinned (`PrimaryPinMiddleware`): an admin path (ADMIN_PATH), a signed-in staff user, or
  a request that already wrote (it reads its own writes, e.g. a vote's new counts);
- the primary is inside a transaction (`transaction.atomic()`): the writer's reads stay
  with it;
- the model instance came from the primary (related look-ups follow it).

Every write goes to the primary (`db_for_write`), and only the primary is migrated.
A replica lags by its replay delay (milliseconds on a local network): a page read from it
may show an edit a moment late, never a half-applied one.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
# Apps whose reads must see the latest write: a session just created by a login, a
# permission just granted, a revision just saved, a sign-in lockout or second factor, the
# portal's own counters.
PRIMARY_APPS = frozenset(
    {"sessions", "auth", "admin", "contenttypes", "reversion", "axes", "django_otp", "otp_totp", "otp_static", "portal"}
)

# None outside a request; inside one, {"pinned": bool} (a write pins the rest of the request).
_request_state: contextvars.ContextVar[dict | None] = contextvars.ContextVar("portal_db_request", default=None)
_forced_primary: contextvars.ContextVar[bool] = contextvars.ContextVar("portal_db_primary", default=False)


def has_replica() -> bool:
    return REPLICA in connections.settings


def reads_pinned() -> bool:
    state = _request_state.get()
    return _forced_primary.get() or bool(state and state["pinned"])


@contextmanager
def primary() -> Iterator[None]:
    """Read from the primary inside this block (code that must see what it just wrote)."""
    token = _forced_primary.set(True)
    try:
        yield
    finally:
        _forced_primary.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        if not has_replica():
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        if model._meta.app_label in PRIMARY_APPS or reads_pinned():
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        state = _request_state.get()
        if state is not None:
            state["pinned"] = True  # read your own writes for the rest of the request
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica is a copy of the primary: same rows, same ids

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


def _pins(request) -> bool:
    if request.path.startswith("/" + getattr(settings, "ADMIN_PATH", "admin/")):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


class PrimaryPinMiddleware:
    """After AuthenticationMiddleware: pins admin and staff requests to the primary."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _request_state.set({"pinned": _pins(request) if has_replica() else False})
        try:
            return self.get_response(request)
        finally:
            _request_state.reset(token)
