"""Test and benchmark helpers: a CDR table with NethVoice's columns on any engine, filled with given rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import MetaData, insert
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti_history.cdr import INTEGER_COLUMNS, TEXT_COLUMNS, cdr_table

FIELDS = ("calldate", *TEXT_COLUMNS, *INTEGER_COLUMNS)


def cdr_row(calldate: str | datetime, **values) -> dict:
    """A complete CDR row: ``calldate`` ("2024-03-05 10:00:00") and any other column; the rest '' or 0."""
    if isinstance(calldate, str):
        calldate = datetime.fromisoformat(calldate)
    row = {name: "" for name in TEXT_COLUMNS} | {name: 0 for name in INTEGER_COLUMNS}
    unknown = set(values) - set(row)
    if unknown:
        raise KeyError(f"not CDR columns: {', '.join(sorted(unknown))}")
    return row | values | {"calldate": calldate}


async def create_cdr(url: str, rows: Iterable[dict] = (), table: str = "cdr", batch: int = 5000) -> None:
    """Create the CDR table (with NethVoice's indexes) at ``url`` if missing, then insert ``rows``."""
    metadata = MetaData()
    cdr = cdr_table(table, metadata)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= batch:
                async with engine.begin() as conn:
                    await conn.execute(insert(cdr), chunk)
                chunk = []
        if chunk:
            async with engine.begin() as conn:
                await conn.execute(insert(cdr), chunk)
    finally:
        await engine.dispose()


# -- one day of calls (2024-03-05) as the demo PBX's Asterisk wrote them (cdr_sqlite3_custom), plus the day before
# and after, trunk calls and odd caller names; what each user's history holds is spelled out in the tests

SAMPLE_RECORDING = "exten-202-201-20240305-100002-123.wav"


ALICE = {"clid": '"Alice Rossi" <201>', "src": "201", "cnum": "201", "cnam": "Alice Rossi", "dcontext": "from-internal"}
CAROL = {"clid": '"Carol Verdi" <203>', "src": "203", "cnum": "203", "cnam": "Carol Verdi"}

SAMPLE_ROWS = [
    # 201 calls 202, answered, recorded
    cdr_row(
        "2024-03-05 10:00:00",
        **ALICE,
        dst="202",
        channel="PJSIP/201-00000000",
        dstchannel="PJSIP/202-00000001",
        lastapp="Dial",
        lastdata="PJSIP/202,30,tT",
        duration=12,
        billsec=10,
        disposition="ANSWERED",
        uniqueid="1709629200.0",
        linkedid="1709629200.0",
        recordingfile=SAMPLE_RECORDING,
        amaflags=3,
    ),
    # 201 calls 203, busy: the Dial row and the Hangup row of the (answered) calling channel
    cdr_row(
        "2024-03-05 10:05:00",
        **ALICE,
        dst="203",
        channel="PJSIP/201-00000002",
        dstchannel="PJSIP/203-00000003",
        lastapp="Dial",
        duration=0,
        billsec=0,
        disposition="BUSY",
        uniqueid="1709629500.3",
        linkedid="1709629500.3",
        sequence=2,
    ),
    cdr_row(
        "2024-03-05 10:05:00",
        **ALICE,
        dst="203",
        channel="PJSIP/201-00000002",
        lastapp="Hangup",
        disposition="ANSWERED",
        uniqueid="1709629500.3",
        linkedid="1709629500.3",
        sequence=4,
    ),
    # 203 calls queue 401 (ringall 201, 202): 201 answers
    cdr_row(
        "2024-03-05 10:10:00",
        **CAROL,
        dst="202",
        dcontext="from-queue",
        channel="Local/202@from-queue-00000001;2",
        dstchannel="PJSIP/202-00000006",
        lastapp="Dial",
        disposition="NO ANSWER",
        uniqueid="1709629800.11",
        linkedid="1709629800.7",
        sequence=9,
    ),
    cdr_row(
        "2024-03-05 10:10:00",
        **CAROL,
        dst="201",
        dcontext="from-queue",
        channel="Local/201@from-queue-00000000;2",
        dstchannel="PJSIP/201-00000005",
        lastapp="Dial",
        duration=30,
        billsec=29,
        disposition="ANSWERED",
        uniqueid="1709629800.9",
        linkedid="1709629800.7",
        sequence=7,
    ),
    cdr_row(
        "2024-03-05 10:10:00",
        **CAROL,
        dst="401",
        dcontext="from-internal",
        channel="PJSIP/203-00000004",
        dstchannel="Local/201@from-queue-00000000;1",
        lastapp="Queue",
        duration=31,
        billsec=30,
        disposition="ANSWERED",
        uniqueid="1709629800.7",
        linkedid="1709629800.7",
        sequence=5,
    ),
    cdr_row(
        "2024-03-05 10:10:00",
        **CAROL,
        dst="401",
        dcontext="from-internal",
        channel="PJSIP/203-00000004",
        dstchannel="Local/202@from-queue-00000001;1",
        lastapp="Queue",
        disposition="NO ANSWER",
        uniqueid="1709629800.7",
        linkedid="1709629800.7",
        sequence=10,
    ),
    # an outside caller on trunk1 calls 202, answered
    cdr_row(
        "2024-03-05 11:00:00",
        clid='"Mario Bianchi" <0612345678>',
        src="0612345678",
        cnum="0612345678",
        cnam="Mario Bianchi",
        ccompany="Bianchi Srl",
        dst="202",
        dcontext="from-trunk",
        channel="PJSIP/trunk1-00000010",
        dstchannel="PJSIP/202-00000011",
        lastapp="Dial",
        duration=65,
        billsec=60,
        disposition="ANSWERED",
        uniqueid="1709632800.16",
        linkedid="1709632800.16",
    ),
    # 202 calls out through trunk1
    cdr_row(
        "2024-03-05 11:30:00",
        clid='"Bob Bianchi" <202>',
        src="202",
        cnum="202",
        cnam="Bob Bianchi",
        dst="0311223344",
        dst_cnam="Pizzeria",
        dcontext="from-internal",
        channel="PJSIP/202-00000020",
        dstchannel="PJSIP/trunk1-00000021",
        lastapp="Dial",
        duration=20,
        billsec=15,
        disposition="ANSWERED",
        uniqueid="1709634600.20",
        linkedid="1709634600.20",
    ),
    # a caller whose name has LIKE's wildcards in it calls 201
    cdr_row(
        "2024-03-05 12:00:00",
        clid='"Shop 100%_off" <0755555555>',
        src="0755555555",
        cnum="0755555555",
        cnam="Shop 100%_off",
        dst="201",
        dcontext="from-trunk",
        channel="PJSIP/trunk1-00000030",
        dstchannel="PJSIP/201-00000031",
        lastapp="Dial",
        duration=5,
        billsec=3,
        disposition="ANSWERED",
        uniqueid="1709636400.30",
        linkedid="1709636400.30",
    ),
    # nobody answers 203: a lost call
    cdr_row(
        "2024-03-05 12:30:00",
        clid='"" <0698765432>',
        src="0698765432",
        cnum="0698765432",
        dst="203",
        dcontext="from-trunk",
        channel="PJSIP/trunk1-00000040",
        dstchannel="PJSIP/203-00000041",
        lastapp="Dial",
        duration=30,
        disposition="NO ANSWER",
        uniqueid="1709638200.40",
        linkedid="1709638200.40",
    ),
    # the last second of the day before and the first of the day after
    cdr_row(
        "2024-03-04 23:59:59",
        clid='"Bob Bianchi" <202>',
        src="202",
        cnum="202",
        cnam="Bob Bianchi",
        dst="201",
        channel="PJSIP/202-00000050",
        dstchannel="PJSIP/201-00000051",
        lastapp="Dial",
        duration=3,
        disposition="NO ANSWER",
        uniqueid="1709593199.50",
        linkedid="1709593199.50",
    ),
    cdr_row(
        "2024-03-06 00:00:00",
        clid='"Bob Bianchi" <202>',
        src="202",
        cnum="202",
        cnam="Bob Bianchi",
        dst="201",
        channel="PJSIP/202-00000060",
        dstchannel="PJSIP/201-00000061",
        lastapp="Dial",
        duration=8,
        billsec=6,
        disposition="ANSWERED",
        uniqueid="1709679600.60",
        linkedid="1709679600.60",
    ),
]
