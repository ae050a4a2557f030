"""NethVoice's tables, as FreePBX and nethcti-server created them: ``asterisk.incoming`` (inbound routes),
``asterisk.offhour`` (their off-hour rules) and ``nethcti3.offhour_files`` (the announcements)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table
from sqlalchemy.dialects.mysql import INTEGER

UNSIGNED = Integer().with_variant(INTEGER(unsigned=True), "mysql", "mariadb")


def asterisk_tables(metadata: MetaData | None = None) -> tuple[Table, Table]:
    """(incoming, offhour) of the ``asterisk`` database."""
    metadata = metadata if metadata is not None else MetaData()
    incoming = Table(
        "incoming", metadata,
        Column("cidnum", String(20), primary_key=True, default=""),
        Column("extension", String(50), primary_key=True, default=""),
        Column("destination", String(50), default=""),
        Column("privacyman", Integer, default=0),
        Column("alertinfo", String(255), default=""),
        Column("ringing", String(20), default=""),
        Column("mohclass", String(80), default="default"),
        Column("description", String(80), default=""),
        Column("grppre", String(80), default=""),
        Column("delay_answer", Integer, default=0),
        Column("pricid", String(20), default=""),
    )
    offhour = Table(
        "offhour", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("displayname", String(50)),
        Column("didcidnum", String(20)),
        Column("didextension", String(20)),
        Column("tsbegin", UNSIGNED, default=0),
        Column("tsend", UNSIGNED, default=0),
        Column("message", String(500)),
        Column("action", Integer),
        Column("param", String(50)),
        Column("destination", String(500)),
        Column("enabled", Integer),
    )
    return incoming, offhour


def nethcti_tables(metadata: MetaData | None = None) -> Table:
    """offhour_files of the ``nethcti3`` database."""
    return Table(
        "offhour_files", metadata if metadata is not None else MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("username", String(50), nullable=False),
        Column("description", String(50)),
        Column("privacy", String(50)),
        Column("creation", DateTime),
        Column("path", String(500)),
    )
