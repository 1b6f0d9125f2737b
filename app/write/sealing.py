"""Personal data sealed in events with its account's own key (AES-GCM), and read back, or as ERASED once the key is
gone.

On the way in, each field `domain.personal_data` names is replaced by a `Sealed` value that the transcoder stores
as `{"_type_": "sealed", "_data_": {"k": key id, "v": nonce + ciphertext + tag in base64, "o": is an object}}`; the
rest of the event is stored as before, and the ledger's chain covers these bytes like any others. On the way out
the key is found by its id: present, the field reads as it was written; deleted, it reads as ERASED (an object as
ERASED_OBJECT), so an erased account's history still replays.
"""

from __future__ import annotations

import binascii
import json
import os
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from functools import cached_property
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoding
from eventsourcing.utils import get_topic

from app.write import exact_json
from app.write.subject_keys import KeyStore, SubjectKey, new_keys
from domain.account_data import ERASED, ERASED_OBJECT, AccountData
from domain.personal_data import PersonalField, personal_fields

NONCE_BYTES = 12
KEYS_HELD = 100_000
"""Keys a process holds at most (a replay meets every account's); past it, it starts again from none."""
CIPHERS_HELD = 4096
"""Ciphers a process holds at most for opening (~1.3 KB each): made from a key, one costs ~2 us a sealed field read,
about what decrypting it costs; past it, it starts again from none."""
KEY_CACHE_SECONDS = 30.0
"""How long a process trusts a key it read: another process's erasure reaches its reads within this (its own, and
any process reading the erasure's event, at once)."""
_ERASED_TOPIC = get_topic(AccountData.Erased)
_SEALED = b'"_type_":"sealed"'
_KEY_ID = re.compile(rb'"_type_":"sealed","_data_":\{"k":"([0-9a-f]+)"')


class Sealed:
    """A field of personal data on its way into the store: its value, sealed with the account's key.

    A plain class, made in a quarter of a frozen dataclass's time (once for each detection a bulk write stores); not a
    named tuple, which the transcoder would write as the list it is."""

    __slots__ = ("account_id", "value")

    def __init__(self, value: Any, account_id: str) -> None:
        self.value = value
        self.account_id = account_id


class Keyring:
    """The keys a process seals and opens with, read from the KeyStore and trusted for KEY_CACHE_SECONDS; a key
    found erased stays so (key ids are never reused)."""

    def __init__(self, store: Callable[[], KeyStore]) -> None:
        self._store = store
        # Keys as their bytes, a cipher made for each use (~1 us): a held AESGCM takes ~1.3 KB, 130 MB for KEYS_HELD,
        # where a replay's build process held ~60 MB of them at 1M events.
        self._sealing: dict[str, tuple[float, str, bytes]] = {}
        self._opening: dict[str, tuple[float, bytes | None]] = {}
        self._accounts: dict[str, str] = {}
        self._ciphers: dict[str, tuple[bytes, AESGCM]] = {}
        """The ciphers `opening` made, by key id, with the key each was made from."""
        self._local = threading.local()

    @cached_property
    def store(self) -> KeyStore:
        """Found when first used: the ledger's mapper, which holds the keyring, is made before its recorder."""
        return self._store()

    @contextmanager
    def made_for(self, account_ids: Iterable[str]) -> Iterator[list[SubjectKey]]:
        """Holds the keys of `account_ids` for sealing, reading those not held in one round trip, and makes a key for
        each account that has none: yielded, to be stored in the transaction that stores what they seal.

        Until the block ends without an error, the keys made are this thread's alone: another save must not seal with
        a key whose transaction may yet fail (a concurrent writer's key for the same account wins, and the command,
        run again, reads it)."""
        missing = self.unheld(account_ids)
        found = self._current(missing)
        made = new_keys([a for a in missing if a not in found])
        self._hold(found.values())
        self._local.made = {k.account_id: (k.key_id, k.key) for k in made}
        try:
            yield made
        finally:
            del self._local.made
        self._hold(made)

    def read_with(self, account_ids: Iterable[str], found: dict[str, SubjectKey]) -> None:
        """Takes the keys of `account_ids` that the caller read in a round trip of its own: holds them, and notes the
        accounts found without one, so that this thread's next `made_for` makes their keys without looking again (if
        another writer makes one meanwhile, the insert fails, and the command, run again, reads it)."""
        self._hold(found.values())
        self._local.keyless = frozenset(a for a in account_ids if a not in found)

    def prepare(self, account_ids: Iterable[str]) -> None:
        """Reads, or makes and stores, the keys of `account_ids` in two round trips (three when another writer stored
        some of them meanwhile; one when the caller's own load read them), outside any save."""
        missing = self.unheld(account_ids)
        if not missing:
            return
        found = self._current(missing)
        made = new_keys([a for a in missing if a not in found])
        if made:
            stored = self.store.add(made)
            found |= {k.account_id: k for k in made if k.account_id in stored}
            lost = [k.account_id for k in made if k.account_id not in stored]
            if lost:
                found |= self.store.current(lost)  # a concurrent writer's key wins
        self._hold(found.values())

    def _current(self, missing: list[str]) -> dict[str, SubjectKey]:
        """The keys of the accounts among `missing` that have one, read but for those this thread's last `read_with`
        found without one (once: the next caller looks again)."""
        keyless: frozenset[str] = getattr(self._local, "keyless", frozenset())
        self._local.keyless = frozenset()
        unread = [a for a in missing if a not in keyless]
        return self.store.current(unread) if unread else {}

    def unheld(self, account_ids: Iterable[str]) -> list[str]:
        """The accounts among `account_ids` whose keys the keyring does not hold (or no longer trusts)."""
        now = time.monotonic()
        return sorted({a for a in account_ids if self._fresh(self._sealing.get(a), now) is None})

    def _hold(self, keys: Iterable[SubjectKey]) -> None:
        keys = list(keys)
        self._make_room(len(keys))
        now = time.monotonic()
        for key in keys:
            self._sealing[key.account_id] = (now, key.key_id, key.key)
            self._opening[key.key_id] = (now, key.key)
            self._accounts[key.key_id] = key.account_id

    def sealing(self, account_id: str) -> tuple[str, AESGCM]:
        made = getattr(self._local, "made", {}).get(account_id)
        if made is not None:
            return made[0], AESGCM(made[1])
        entry = self._fresh(self._sealing.get(account_id), time.monotonic())
        if entry is None:
            self.prepare([account_id])
            entry = self._sealing[account_id]
        return entry[1], AESGCM(entry[2])

    def opening(self, key_id: str) -> AESGCM | None:
        key = self._opening_key(key_id)
        if key is None:
            return None
        held = self._ciphers.get(key_id)
        if held is not None and held[0] == key:
            return held[1]
        if len(self._ciphers) >= CIPHERS_HELD:
            self._ciphers.clear()
        cipher = AESGCM(key)
        self._ciphers[key_id] = (key, cipher)
        return cipher

    def _opening_key(self, key_id: str) -> bytes | None:
        entry = self._opening.get(key_id)
        if entry is None or not self._trusted(entry, time.monotonic()):
            self._read([key_id])
            entry = self._opening[key_id]
        return entry[1]

    def prefetch(self, states: Iterable[bytes]) -> None:
        """Reads in one round trip the keys that open the sealed fields of `states` (a page of stored events about to
        be decoded) and are not held: a replay would otherwise ask for each account's key on its own."""
        self._read_unheld(key_ids(states))

    def live(self, key_ids: Collection[str]) -> frozenset[str]:
        """The keys among `key_ids` that open what they sealed, as `opening` finds them now (those not held read in
        one round trip): the others are erased, for good."""
        self._read_unheld(key_ids)
        return frozenset(k for k in key_ids if self._opening_key(k) is not None)

    def _read_unheld(self, key_ids: Iterable[str]) -> None:
        now = time.monotonic()
        missing = [k for k in key_ids if (entry := self._opening.get(k)) is None or not self._trusted(entry, now)]
        if missing:
            self._read(missing)

    def _read(self, key_ids: list[str]) -> None:
        now = time.monotonic()
        self._make_room(len(key_ids))
        found = self.store.by_ids(key_ids)
        for key_id in key_ids:
            key = found.get(key_id)
            self._opening[key_id] = (now, None if key is None else key.key)
            if key is not None:
                self._accounts[key_id] = key.account_id

    @staticmethod
    def _trusted(entry: tuple[float, bytes | None], now: float) -> bool:
        return entry[1] is None or now - entry[0] < KEY_CACHE_SECONDS

    def forget(self, account_id: str) -> None:
        """Drops what the process holds of the account's keys: its data was erased."""
        self._sealing.pop(account_id, None)
        for key_id in [k for k, a in list(self._accounts.items()) if a == account_id]:
            self._opening[key_id] = (0.0, None)
            self._accounts.pop(key_id, None)
            self._ciphers.pop(key_id, None)

    def _make_room(self, coming: int) -> None:
        if len(self._opening) + coming > KEYS_HELD:
            self._sealing.clear()
            self._opening.clear()
            self._accounts.clear()

    @staticmethod
    def _fresh(entry: tuple[float, str, bytes] | None, now: float) -> tuple[float, str, bytes] | None:
        return entry if entry is not None and now - entry[0] < KEY_CACHE_SECONDS else None


class SealedAsObject(Transcoding):
    """A `Sealed` value as its key's id and its ciphertext; decoded, the value, or ERASED once the key is gone."""

    type = Sealed
    name = "sealed"

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def encode(self, obj: Sealed) -> dict[str, Any]:
        key_id, cipher = self.keyring.sealing(obj.account_id)
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + cipher.encrypt(nonce, _json(obj.value), key_id.encode())
        text = binascii.b2a_base64(sealed, newline=False).decode()  # `b64encode`'s own encoding, without its call
        return {"k": key_id, "v": text, "o": isinstance(obj.value, dict)}

    def decode(self, data: dict[str, Any]) -> Any:
        key_id = data["k"]
        cipher = self.keyring.opening(key_id)
        if cipher is None:
            return dict(ERASED_OBJECT) if data["o"] else ERASED
        sealed = binascii.a2b_base64(data["v"])  # `b64decode`'s own decoding, without its copy of the text as bytes
        plain = cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], key_id.encode())
        return exact_json.loads(plain)


StateWriter = Callable[[Any, list[PersonalField]], bytes | None]
"""Writes an event's stored state, its personal fields sealed, straight from the event; None leaves it to the
mapper's own way."""


StateReader = Callable[[StoredEvent], DomainEventProtocol[Any] | None]
"""Reads a stored event straight into the event; None leaves it to the mapper's own way."""


class SealingMapper(Mapper[Any]):
    """The library's mapper, sealing each event's personal data on the way in; reading an erasure, it forgets the
    account's keys so nothing after it in the ledger is read with them. An event of a type in `writers` (with neither
    compressor nor cipher) has its state written by its writer, and one of a topic in `readers` is read by its
    reader."""

    def __init__(
        self, keyring: Keyring, writers: dict[type, StateWriter] | None = None,
        readers: dict[str, StateReader] | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.keyring = keyring
        plain = not (self.compressor or self.cipher)
        self._writers = dict(writers or {}) if plain else {}
        self._readers = dict(readers or {}) if plain else {}

    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        return self.stored(domain_event, personal_fields(domain_event))

    def stored(self, domain_event: DomainEventProtocol[Any], found: list[PersonalField]) -> StoredEvent:
        """`to_stored_event` of an event whose personal fields (`personal_fields`) the caller has found already."""
        kind = type(domain_event)
        writer = self._writers.get(kind)
        state = None if writer is None else writer(domain_event, found)
        if state is not None:
            return StoredEvent(domain_event.originator_id, domain_event.originator_version, get_topic(kind), state)
        return super().to_stored_event(_sealed(domain_event, found) if found else domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        reader = self._readers.get(stored_event.topic)
        event = None if reader is None else reader(stored_event)
        if event is not None:
            return event
        event = super().to_domain_event(stored_event)
        if stored_event.topic == _ERASED_TOPIC:
            assert isinstance(event, AccountData.Erased)
            self.keyring.forget(event.account_id)
        return event


def key_ids(states: Iterable[bytes]) -> set[str]:
    """The ids of the keys that sealed fields of `states` (stored events) were sealed with."""
    return {key_id.decode() for state in states if _SEALED in state for key_id in _KEY_ID.findall(state)}


def _json(value: Any) -> bytes:
    """A value as JSON; a value type (a detection's model content) as an object of its fields."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:  # integers past 64 bits, which evidence may hold: `json` writes them
        return json.dumps(value, separators=(",", ":"), default=asdict).encode()


def accounts_sealed(events: Iterable[object]) -> set[str]:
    """The accounts whose keys seal some of `events`' personal data."""
    return {f.account_id for event in events for f in personal_fields(event)}


def _sealed(event: Any, found: list[PersonalField]) -> Any:
    """A copy of `event` with each personal field sealed; the event itself (the aggregate's) is left as it was."""
    sealed = _copy(event)
    for field in found:
        _replace(sealed, field.path, Sealed(_get(event, field.path), field.account_id))
    return sealed


def _copy(obj: Any) -> Any:
    """A shallow copy of an event or a value (frozen dataclasses), without `copy.copy`'s protocol (a third of
    sealing's cost)."""
    clone = object.__new__(type(obj))
    clone.__dict__.update(obj.__dict__)
    return clone


def _get(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        obj = getattr(obj, name)
    return obj


def _replace(obj: Any, path: tuple[str, ...], value: Any) -> None:
    """Sets `path` in `obj` to `value`, copying the frozen values on the way so that nothing shared changes."""
    name, rest = path[0], path[1:]
    if rest:
        inner = _copy(getattr(obj, name))
        _replace(inner, rest, value)
        value = inner
    object.__setattr__(obj, name, value)
