"""The compiled copy of the knowledge base in SQLite: one JSON document, written and read
generically from the dataclasses of bot/answering/model.py.

Nothing here names a field: a new field of `Entry` or `Lexicon` is saved and read back
without a change to this module, and the format version is a fingerprint of the
dataclasses themselves, so a database built by an older release (whose copy lacks the
field) is rebuilt on the next start without anyone bumping a number by hand.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import types
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin, get_type_hints

from bot.answering.model import KnowledgeBase

if TYPE_CHECKING:
    # Only a type here: the copy is read and written with plain SQL on the connection, so
    # `ukm-bot ask` never imports sqlite_utils (0.08-0.1 s of its start).
    import sqlite_utils

_META = "kb_meta"  # key/value rows: version, built_at, format, knowledge


class CompiledFormatError(Exception):
    """A saved copy does not fit the current dataclasses (an older release wrote it)."""


def schema_fingerprint(root: type = KnowledgeBase) -> str:
    """A short hash of every field name and type reachable from `root`."""
    seen: dict[str, str] = {}

    def visit(tp: Any) -> None:
        for arg in get_args(tp):
            visit(arg)
        if dataclasses.is_dataclass(tp) and isinstance(tp, type) and tp.__name__ not in seen:
            hints = get_type_hints(tp)
            fields = [f for f in dataclasses.fields(tp) if f.init]
            seen[tp.__name__] = ";".join(f"{f.name}:{hints[f.name]!r}" for f in fields)
            for f in fields:
                visit(hints[f.name])

    visit(root)
    text = "\n".join(f"{name}({spec})" for name, spec in sorted(seen.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


FORMAT = schema_fingerprint()


# -- dataclasses <-> JSON ------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    """Dataclasses become objects (their init fields), tuples and sets lists (sets
    sorted, so the same knowledge always gives the same bytes), and a dict whose keys
    are not text a list of [key, value] pairs."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init
        }
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: to_jsonable(v) for k, v in value.items()}
        return [[to_jsonable(k), to_jsonable(v)] for k, v in value.items()]
    if isinstance(value, frozenset | set):
        return sorted((to_jsonable(v) for v in value), key=json.dumps)
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    return value


def from_jsonable(tp: Any, data: Any) -> Any:
    """The inverse of to_jsonable, guided by the type annotations."""
    origin = get_origin(tp)
    if tp is Any or tp is object:
        return data
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if data is None and type(None) in options:
            return None
        (inner,) = [o for o in options if o is not type(None)]
        return from_jsonable(inner, data)
    if origin is Literal:
        if data not in get_args(tp):
            raise CompiledFormatError(f"{data!r} is not one of {get_args(tp)}")
        return data
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(data, dict):
            raise CompiledFormatError(f"{tp.__name__}: expected an object")
        hints = get_type_hints(tp)
        fields = [f for f in dataclasses.fields(tp) if f.init]
        missing = [f.name for f in fields if f.name not in data and _required(f)]
        if missing:
            raise CompiledFormatError(f"{tp.__name__}: missing {missing}")
        return tp(
            **{
                f.name: from_jsonable(hints[f.name], data[f.name])
                for f in fields
                if f.name in data
            }
        )
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_jsonable(args[0], v) for v in data)
        return tuple(from_jsonable(a, v) for a, v in zip(args, data, strict=True))
    if origin is frozenset:
        (inner,) = get_args(tp)
        return frozenset(from_jsonable(inner, v) for v in data)
    if origin is dict:
        key_type, value_type = get_args(tp)
        pairs = data.items() if isinstance(data, dict) else data
        return {from_jsonable(key_type, k): from_jsonable(value_type, v) for k, v in pairs}
    if tp in (str, int, float, bool):
        if not isinstance(data, tp):
            raise CompiledFormatError(f"expected {tp.__name__}, got {data!r}")
        return data
    raise CompiledFormatError(f"cannot read a value of type {tp!r}")


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


# -- the database ---------------------------------------------------------------------------


Connection = typing.Union["sqlite_utils.Database", sqlite3.Connection]


def _conn(db: Connection) -> sqlite3.Connection:
    return db if isinstance(db, sqlite3.Connection) else db.conn


def save_knowledge(db: Connection, kb: KnowledgeBase) -> None:
    """Replace the saved copy in one transaction; learned phrasings (kb_learned) are kept.
    The table is the storage migrations' (bot/storage/migrations.py)."""
    document = json.dumps(to_jsonable(kb), ensure_ascii=False, sort_keys=True)
    meta = {
        "version": kb.version,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "format": FORMAT,
        "knowledge": document,
    }
    conn = _conn(db)
    with conn:
        conn.execute(f"DELETE FROM {_META}")
        conn.executemany(f"INSERT INTO {_META} (key, value) VALUES (?, ?)", meta.items())


def saved_version(db: Connection) -> str | None:
    """The version of the saved copy (knowledge.knowledge_hash of the files it was built
    from), without reading the copy itself."""
    try:
        row = _conn(db).execute(f"SELECT value FROM {_META} WHERE key = 'version'").fetchone()
    except sqlite3.OperationalError:
        return None  # no such table: nothing was ever saved
    return str(row[0]) if row else None


def read_saved_knowledge(db: Connection) -> KnowledgeBase | None:
    """The knowledge base last saved, or None if there is none this release can read."""
    try:
        rows = _conn(db).execute(f"SELECT key, value FROM {_META}").fetchall()
    except sqlite3.OperationalError:
        return None  # no such table: nothing was ever saved
    meta = dict(rows)
    if "knowledge" not in meta:
        return None  # nothing saved yet, or saved by a release before this format
    try:
        kb = from_jsonable(KnowledgeBase, json.loads(meta["knowledge"]))
    except (CompiledFormatError, TypeError, ValueError, KeyError):
        return None
    return typing.cast(KnowledgeBase, kb)


def read_current_knowledge(path: Path, version: str) -> KnowledgeBase | None:
    """The copy saved in the database file at `path` if it was built from files of this
    `version`; None when the file, the table or that version is not there.

    With the standard `sqlite3` module and without creating, migrating or writing
    anything: the quick start of `ukm-bot ask`. Anything else goes through Storage."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    except sqlite3.Error:
        return None
    try:
        if saved_version(conn) != version:
            return None
        return read_saved_knowledge(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
