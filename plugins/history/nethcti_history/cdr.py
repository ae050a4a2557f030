"""NethVoice's ``asteriskcdrdb.cdr`` table, as SQLAlchemy Core sees it (nethcti only reads it, and clears
``recordingfile``)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table
from sqlalchemy.dialects import sqlite

TEXT_COLUMNS = (
    "clid",
    "src",
    "dst",
    "dcontext",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "disposition",
    "accountcode",
    "uniqueid",
    "userfield",
    "did",
    "recordingfile",
    "cnum",
    "cnam",
    "outbound_cnum",
    "outbound_cnam",
    "dst_cnam",
    "linkedid",
    "peeraccount",
    "ccompany",
    "dst_ccompany",
)
INTEGER_COLUMNS = ("duration", "billsec", "amaflags", "sequence")
INDEXED = ("calldate", "uniqueid", "linkedid", "src", "dst", "cnum")  # what NethVoice's table has
# SQLite keeps dates as text: "2024-01-31 09:15:00", as cdr_sqlite3_custom writes CDR(start), so that rows
# written by Asterisk and bounds written by nethcti compare right (SQLAlchemy's default adds ".000000")
CALLDATE = DateTime().with_variant(
    sqlite.DATETIME(storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"), "sqlite"
)


def cdr_table(name: str = "cdr", metadata: MetaData | None = None) -> Table:
    """The CDR table ``name`` with NethVoice's columns and indexes (``create_all`` makes one for tests)."""
    metadata = metadata if metadata is not None else MetaData()
    columns = [Column("calldate", CALLDATE, nullable=False)]
    columns += [
        Column(c, String(255 if c in ("userfield", "recordingfile") else 80), nullable=False, server_default="")
        for c in TEXT_COLUMNS
    ]
    columns += [Column(c, Integer, nullable=False, server_default="0") for c in INTEGER_COLUMNS]
    table = Table(name, metadata, *columns)
    for column in INDEXED:
        Index(f"{name}_{column}", table.c[column])
    return table
