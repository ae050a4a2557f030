"""Helpers for tests, the demo and the benchmark: NethVoice's centralized phonebook table, filled."""

from __future__ import annotations

from sqlalchemy import MetaData, insert
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti_phonebook.tables import centralized_table


async def create_centralized(url: str, rows: list[dict], table: str = "phonebook") -> None:
    """NethVoice's centralized phonebook table at ``url`` (created when missing), with ``rows`` added."""
    engine = create_async_engine(url)
    phonebook = centralized_table(table, MetaData())
    try:
        async with engine.begin() as conn:
            await conn.run_sync(phonebook.metadata.create_all)
            for row in rows:
                await conn.execute(insert(phonebook).values(row))
    finally:
        await engine.dispose()


DEMO_CONTACTS = [  # (owner, type, name, company, workphone, cellphone, workemail)
    ("alice", "public", "Mario Bianchi", "Acme S.p.A.", "0721 405060", "347 1234567", "mario.bianchi@acme.example"),
    ("alice", "public", "", "Acme S.p.A.", "0721 400000", None, "info@acme.example"),
    ("alice", "public", "Giulia Neri", "Acme S.p.A.", "0721 405061", None, "giulia.neri@acme.example"),
    ("alice", "private", "Dr. Franchi (dentist)", None, None, "333 7654321", None),
    (
        "bob",
        "public",
        "Luisa Verdi",
        "Verdi Trasporti Srl",
        "0541 223344",
        "339 1122334",
        "luisa@verditrasporti.example",
    ),
    ("alice", "speeddial", "Reception", None, "200", None, None),
]
DEMO_CENTRALIZED = [  # NethVoice's centralized phonebook: a customer list imported by the admin
    ("Paolo Gialli", "Gialli Costruzioni", "051 998877", "paolo@gialli.example"),
    ("", "Gialli Costruzioni", "051 998800", "info@gialli.example"),
    ("Sara Blu", "Blu Consulting", "02 5566778", "sara@blu.example"),
]


def seed_demo(database_file: str, centralized_file: str) -> None:
    """The demo's contacts (scripts/demo.py): a few in ``cti_phonebook``, a few in a centralized phonebook; only
    into empty tables, so a newcomer's own contacts are kept across restarts."""
    from sqlalchemy import create_engine, func, select

    from nethcti_phonebook.tables import cti_phonebook, metadata

    columns = ("owner_id", "type", "name", "company", "workphone", "cellphone", "workemail")
    central = centralized_table("phonebook", MetaData())
    for path, table, rows in (
        (database_file, cti_phonebook, [dict(zip(columns, row, strict=True)) for row in DEMO_CONTACTS]),
        (
            centralized_file,
            central,
            [
                {
                    "owner_id": "admin",
                    "type": "",
                    "name": name,
                    "company": company,
                    "workphone": phone,
                    "workemail": email,
                }
                for name, company, phone, email in DEMO_CENTRALIZED
            ],
        ),
    ):
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.begin() as conn:
                (metadata if table is cti_phonebook else central.metadata).create_all(conn, tables=[table])
                if conn.execute(select(func.count()).select_from(table)).scalar_one() == 0:
                    for row in rows:
                        conn.execute(insert(table).values(row))
        finally:
            engine.dispose()
