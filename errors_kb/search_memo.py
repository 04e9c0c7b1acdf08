"""Answers to pastes this worker has answered before, sealed so that only the same paste opens them.

The same paste comes back: a teacher submits again after a fix, a support agent opens a
shared `?q=` link, a tool polls the API with the message it keeps getting. A search costs
5-10 ms of matching; a remembered answer costs a hash, a decryption and an unpickling
(~0.3 ms). Answers are kept per worker, in memory only (never in Django's cache, the
database or Redis), at most SEARCH_MEMO_MB, least recently used first out, and all dropped
when the dictionary's generation moves (errors_kb/dictionary_cache.py).

An answer holds values of its paste (the matched slots: student names, IDs), and nothing of
a paste may be kept readable. So each answer is kept encrypted (AES-GCM) under a key derived
from the paste itself, and found under an HMAC of the paste: without the paste, what a worker
holds reads as noise, and the only client who can open an answer already sent those values.
Both derivations use a random key made when the worker starts, which never leaves it.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import hmac
import io
import json
import os
import pickle

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from errors_kb.dictionary_cache import GenerationCache
from errors_kb.matching.rank import Candidate
from errors_kb.models import Vendor
from errors_kb.search import SearchResult, search

_WORKER_KEY = os.urandom(32)
_NONCE_BYTES = 12
_ENTRY_OVERHEAD = 200  # bytes a kept answer costs besides its ciphertext (key, nonce, bookkeeping)

_memo = GenerationCache(max_size=0)  # sized from SEARCH_MEMO_MB at each search


def _without_stems(candidate: Candidate):
    """A candidate's stems serve its ranking only, and are most of its size: an answer is kept without them."""
    light = dataclasses.replace(candidate, core=frozenset(), prose=frozenset())
    return Candidate, tuple(getattr(light, f.name) for f in dataclasses.fields(Candidate))


_DISPATCH = copyreg.dispatch_table | {Candidate: _without_stems}


def _pickled(result: SearchResult) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(result)
    return buffer.getvalue()


def _derive(purpose: bytes, paste: bytes) -> bytes:
    return hmac.new(_WORKER_KEY, purpose + paste, hashlib.sha256).digest()


def remembered_search(
    generation: int | None,
    text: str,
    vendor_value: str | None,
    *,
    max_chars: int,
    limit: int,
    vendors: list[Vendor],
) -> SearchResult:
    """search(), answered from this worker's memory when it has answered the same text, vendor
    and limit at this generation of the dictionary."""
    budget = settings.SEARCH_MEMO_MB * 1024 * 1024
    if not budget or generation is None:
        return search(text, vendor_value, max_chars=max_chars, limit=limit, vendors=vendors)
    _memo.max_size = budget
    # JSON: no two different requests read the same (any separator could be part of a value).
    paste = json.dumps([max_chars, limit, vendor_value or "", text]).encode()
    key = _derive(b"find", paste)
    sealed = _memo.get(generation, key)
    if sealed is not None:
        nonce, box = sealed
        # Authenticated: only what this worker sealed under this paste opens, so unpickling is safe.
        return pickle.loads(AESGCM(_derive(b"seal", paste)).decrypt(nonce, box, key))
    result = search(text, vendor_value, max_chars=max_chars, limit=limit, vendors=vendors)
    nonce = os.urandom(_NONCE_BYTES)
    box = AESGCM(_derive(b"seal", paste)).encrypt(nonce, _pickled(result), key)
    _memo.put(generation, key, (nonce, box), size=len(box) + _ENTRY_OVERHEAD)
    return result


def forget() -> None:
    _memo.clear()


def held() -> list[bytes]:
    """What the memo holds, as bytes (the privacy tests look for a paste's values in it)."""
    return [key + nonce + box for key, (nonce, box) in _memo.items()]
