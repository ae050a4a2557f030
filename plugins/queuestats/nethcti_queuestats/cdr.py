"""The columns of NethVoice's ``asteriskcdrdb.cdr`` that queue statistics read: callers' names and companies,
and the agents' calls back to lost callers."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

TEXT_COLUMNS = ("uniqueid", "cnum", "cnam", "ccompany", "dst", "dst_cnam", "dst_ccompany", "disposition")


def cdr_columns(name: str = "cdr", metadata: MetaData | None = None) -> Table:
    """The CDR table ``name`` as read here (``calldate`` compared as text: "YYYY-MM-DD HH:MM:SS" on both engines)."""
    return Table(
        name,
        metadata if metadata is not None else MetaData(),
        Column("calldate", String(26), nullable=False),
        *(Column(c, String(80), nullable=False, server_default="") for c in TEXT_COLUMNS),
        Column("duration", Integer, nullable=False, server_default="0"),
    )
