"""What a worker keeps of the dictionary in memory, for as long as its generation stands.

A search page needs every vendor (the picker, and the names the search recognises) and the
full details of the entry it answers with: seven queries and ~7 ms a search, for data that
changes only when a curator saves. Each worker keeps them, keyed by the dictionary's
generation (DictionaryGeneration, moved by triggers on every table they come from): one
one-row query a request tells whether what it holds is still the dictionary's state, and
a change anywhere empties the cache at the next request of every worker and machine.

Only published, public data is kept here (vendors, entries and their steps); what a paste
holds never is (errors_kb/search_memo.py keeps answers, sealed).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from errors_kb.models import DictionaryGeneration, Entry, Vendor

ENTRIES_KEPT = 512  # entries with their details, per worker: a few MB
# Rendered fragments of entries ("fragments" cache) are keyed by the generation: this only
# lets the keys of older generations go.
FRAGMENT_SECONDS = 3600


class GenerationCache:
    """A least-recently-used map of at most `max_size` (by each value's size), emptied as soon as
    it is asked about another generation than the one its values were read at."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._size = 0
        self._generation: int | None = None
        self._lock = threading.Lock()  # the development server and threaded workers share a process

    def _at(self, generation: int) -> None:
        if generation != self._generation:
            self._values.clear()
            self._size = 0
            self._generation = generation

    def get(self, generation: int | None, key: Hashable) -> Any | None:
        if generation is None:
            return None
        with self._lock:
            self._at(generation)
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[0]

    def put(self, generation: int | None, key: Hashable, value: Any, size: int = 1) -> None:
        if generation is None or size > self.max_size:
            return
        with self._lock:
            self._at(generation)
            previous = self._values.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._values[key] = (value, size)
            self._size += size
            while self._size > self.max_size:
                _, (_, evicted) = self._values.popitem(last=False)
                self._size -= evicted

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._size = 0
            self._generation = None

    def items(self) -> list[tuple[Hashable, Any]]:
        with self._lock:
            return [(key, value) for key, (value, _) in self._values.items()]

    def __len__(self) -> int:
        return len(self._values)


_vendors = GenerationCache(max_size=1)
_entries = GenerationCache(max_size=ENTRIES_KEPT)


def current_generation() -> int | None:
    """Read first in a request, before the data it guards (see DictionaryGeneration)."""
    return DictionaryGeneration.objects.current()


def every_vendor(generation: int | None) -> list[Vendor]:
    vendors = _vendors.get(generation, "all")
    if vendors is None:
        vendors = list(Vendor.objects.all())
        _vendors.put(generation, "all", vendors)
    return vendors


def entries_with_details(generation: int | None, ids: Iterable[int]) -> dict[int, Entry]:
    """Entries by id with what their page shows (Entry.objects.with_details()), from memory
    when this worker has read them at this generation; one query for the others."""
    ids = list(dict.fromkeys(ids))
    found = {i: entry for i in ids if (entry := _entries.get(generation, i)) is not None}
    missing = [i for i in ids if i not in found]
    if missing:
        loaded = Entry.objects.with_details().in_bulk(missing)
        for entry_id, entry in loaded.items():
            _entries.put(generation, entry_id, entry)
        found.update(loaded)
    return found


def clear() -> None:
    """Forget everything (tests that compare a cold worker with a warm one)."""
    _vendors.clear()
    _entries.clear()
