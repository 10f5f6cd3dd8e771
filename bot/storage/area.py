"""What every storage area works on: the one database connection."""

from __future__ import annotations

import sqlite_utils


class Area:
    """A part of the Storage facade; each area owns some tables and the queries on them.

    Every write is its own short transaction (`with self.db.conn:`) and no transaction is
    ever held across an await: the bot is async, and another update must never find the
    database locked by a half-done one.
    """

    db: sqlite_utils.Database
