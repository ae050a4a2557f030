"""Card queries: one SELECT only, ``:number`` bound (never substituted), run read-only with a row limit and a
timeout. The text check refuses what a SELECT has no business doing; the read-only session is the backstop."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import decimal
import re
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from nethcti_custcard.errors import NotReadOnly, QueryFailed, QueryTimeout

# words a read-only SELECT never needs (outside string literals and quoted identifiers)
REFUSED_WORDS = frozenset((
    "insert", "update", "delete", "replace", "merge", "upsert", "drop", "alter", "create", "rename", "truncate",
    "grant", "revoke", "attach", "detach", "pragma", "vacuum", "reindex", "analyze", "call", "do", "handler",
    "load", "lock", "unlock", "set", "execute", "prepare", "into", "outfile", "dumpfile", "load_file", "sleep",
    "benchmark", "get_lock", "release_lock",
))
# the original's placeholder, always inside quotes: '$NUMBER' -> the bound parameter :number
NETHVOICE_NUMBER = re.compile(r"""(['"])\$NUMBER\1""")
_TOKEN = re.compile(  # strings, quoted identifiers, comments, ";", words, $words, anything else
    r"""'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`[^`]*`|--[^\n]*|\#[^\n]*|/\*.*?\*/"""
    r"""|[;]|[A-Za-z_][\w$]*|\$\w+|.""", re.S)


def checked_select(query: str) -> str:
    """``query`` as it will run: a single SELECT with ``:number`` as its only parameter; NotReadOnly (400)
    naming the reason otherwise. NethVoice's ``'$NUMBER'`` is turned into ``:number``."""
    sql = NETHVOICE_NUMBER.sub(":number", query.strip())
    words = []
    for token in _TOKEN.findall(sql):
        if token.startswith("/*!") or token.startswith("/*+"):
            raise NotReadOnly("Executable comments are not allowed")
        if token.startswith(("'", '"')) and "$NUMBER" in token:
            raise NotReadOnly(f"$NUMBER inside {token}: bind :number instead (e.g. LIKE CONCAT('%', :number))")
        if token.startswith(("'", '"', "`", "--", "#", "/*")) or token.isspace():
            continue
        if token == ";":
            words.append(";")
        elif token.startswith("$"):
            raise NotReadOnly(f"{token} is not a parameter: use :number (or '$NUMBER' alone in quotes)")
        elif token[0].isalpha() or token[0] == "_":
            words.append(token.lower())
    while words and words[-1] == ";":
        words.pop()
        sql = sql.rstrip().removesuffix(";").rstrip()
    if not words or words[0] != "select":
        raise NotReadOnly("The query must be one SELECT")
    if ";" in words:
        raise NotReadOnly("Only one statement is allowed")
    refused = sorted(REFUSED_WORDS.intersection(words))
    if refused:
        raise NotReadOnly(f"Not allowed in a card query: {', '.join(refused)}")
    return sql


def read_only_engine(url: str, timeout: float) -> AsyncEngine:
    """An engine whose every session refuses writes: SQLite ``query_only``, MySQL/MariaDB read-only
    transactions (and MariaDB's own statement time limit)."""
    engine = create_async_engine(url, pool_pre_ping=True, pool_recycle=3600)
    dialect = engine.dialect.name

    @event.listens_for(engine.sync_engine, "connect")
    def read_only(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            if dialect == "sqlite":
                cursor.execute("PRAGMA query_only = ON")
            elif dialect in ("mysql", "mariadb"):
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
                # MariaDB only; MySQL has max_execution_time instead, and the client-side timeout holds anyway
                with contextlib.suppress(Exception):
                    cursor.execute(f"SET SESSION max_statement_time = {float(timeout):.3f}")
        finally:
            cursor.close()

    return engine


async def run_select(engine: AsyncEngine, sql: str, number: str, *, row_limit: int, timeout: float) -> list[dict]:
    """Rows (at most ``row_limit``) of ``sql`` with ``:number`` bound; QueryTimeout (504), QueryFailed (502)."""
    try:
        async with asyncio.timeout(timeout), engine.connect() as connection:
            result = await connection.execute(text(sql), {"number": number} if ":number" in sql else {})
            rows = [dict(row) for row in result.mappings().fetchmany(row_limit)]
            await connection.rollback()
    except TimeoutError:
        raise QueryTimeout(f"No answer within {timeout:g} s") from None
    except SQLAlchemyError as exc:
        raise QueryFailed(f"The query failed: {type(getattr(exc, 'orig', exc)).__name__}") from None
    return rows


def json_rows(rows: list[dict]) -> list[dict[str, Any]]:
    """Rows with values JSON can carry: dates as ISO strings, decimals as strings, bytes as text."""
    return [{key: _jsonable(value) for key, value in row.items()} for row in rows]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, datetime.timedelta)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    return value
