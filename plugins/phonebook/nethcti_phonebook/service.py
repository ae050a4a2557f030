"""The phonebook: searches over the CTI phonebook and NethVoice's centralized one, merged; contacts, speed dials.

Every search is one SQL query per source (plus its count): the filtering is the database's, through indexes
where the search allows it (bench/README.md). With two sources, each is asked for its first ``offset + limit``
rows in the same order and the two are merged here, as the original's ``UNION … ORDER BY`` did.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from loguru import logger
from sqlalchemy import ColumnElement, Select, Table, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nethcti_phonebook.errors import NoSuchContact, NotYourContact, PhonebookUnavailable
from nethcti_phonebook.tables import CENTRAL_COLUMNS, CTI_COLUMNS, cti_phonebook

CTI, CENTRALIZED = "cti", "centralized"
NETHCTI_TYPE = "nethcti"  # CTI contacts NethVoice copied into the centralized phonebook: already in ours
PUBLIC, PRIVATE, SPEEDDIAL = "public", "private", "speeddial"
# the company view: the company's own card (a row without a name) gives these
COMPANY_FIELDS = (
    "id",
    "owner_id",
    "workstreet",
    "workcity",
    "workprovince",
    "workcountry",
    "workphone",
    "homephone",
    "cellphone",
    "fax",
    "workemail",
    "url",
    "type",
    "title",
    "notes",
    "source",
)


@dataclass(frozen=True)
class Search:
    """One search: ``kind`` contains | email | startswith | digit | all, and its parameters (already validated)."""

    kind: str
    term: str = ""
    view: str = "all"  # person | company | all
    visibility: str = "all"  # all | public | private | group
    sort: str = "company"  # company (company, name) | name, displayname (the name, or the company without one)
    offset: int = 0
    limit: int = 1000


def like_pattern(term: str, prefix: str = "%", suffix: str = "%") -> str:
    """``term`` as literal text in a LIKE pattern (escape character ``!``): ``%``, ``_`` match themselves."""
    return prefix + term.replace("!", "!!").replace("%", "!%").replace("_", "!_") + suffix


class Source:
    """One phonebook table on one engine: ``cti`` (ours) or ``centralized`` (NethVoice's, read only)."""

    def __init__(self, name: str, engine: AsyncEngine, table: Table):
        self.name, self.engine, self.table = name, engine, table
        self.columns = CTI_COLUMNS if name == CTI else CENTRAL_COLUMNS
        self.error: str | None = None  # why the last read failed; None once a read succeeds

    async def all(self, statement: Select) -> list[dict[str, Any]]:
        async with self._connect() as conn:
            return [dict(row) for row in (await conn.execute(statement)).mappings()]

    async def scalar(self, statement: Select) -> Any:
        async with self._connect() as conn:
            return (await conn.execute(statement)).scalar_one()

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading; the database down or the table gone is a 503, logged once until it is back."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except (DBAPIError, OSError) as exc:
            if self.error is None:
                reason = " ".join(str(getattr(exc, "orig", None) or exc).split())  # the driver's words, one line
                logger.warning("phonebook: the {} phonebook cannot be read: {}", self.name, reason)
            self.error = type(getattr(exc, "orig", None) or exc).__name__
            raise PhonebookUnavailable(f"The {self.name} phonebook cannot be read",
                                       details={"source": self.name, "error": self.error}) from exc
        if self.error is not None:
            logger.info("phonebook: the {} phonebook answers again", self.name)
            self.error = None

    def contact(self, row: dict[str, Any]) -> dict[str, Any]:
        """A row as the original answers it: every column, ``extension``/``speeddial_num`` "" when centralized."""
        contact = {column: row[column] for column in self.columns}
        if self.name == CENTRALIZED:
            contact.update(extension="", speeddial_num="")
        contact["source"] = self.name
        return contact

    # -- conditions

    def visible(self, username: str, visibility: str) -> ColumnElement[bool] | None:
        """What ``username`` may see (None: nothing); speed dials are never search results."""
        c = self.table.c
        if self.name == CENTRALIZED:
            return c.type != NETHCTI_TYPE if visibility in ("all", PUBLIC) else None
        if visibility == "all":
            return and_(or_(c.owner_id == username, c.type == PUBLIC), c.type != SPEEDDIAL)
        if visibility == PUBLIC:
            return c.type == PUBLIC
        if visibility == PRIVATE:
            return and_(c.owner_id == username, c.type == PRIVATE)
        return None  # "group": shared groups are the middleware's, not stored here

    def matching(self, search: Search) -> ColumnElement[bool]:
        c = self.table.c
        names = {"person": [c.name], "company": [c.company]}.get(search.view, [c.name, c.company])
        phones = [c.workphone, c.homephone, c.cellphone, *([c.extension] if self.name == CTI else [])]
        if search.kind == "contains":
            pattern = like_pattern(search.term)
            return or_(*(column.like(pattern, escape="!") for column in [*names, *phones, c.notes]))
        if search.kind == "email":
            pattern = like_pattern(search.term)
            columns = [c.name, c.company, c.workemail, c.homeemail, *phones, c.notes]
            return and_(
                or_(*(column.like(pattern, escape="!") for column in columns)), or_(c.workemail > "", c.homeemail > "")
            )
        if search.kind == "startswith":
            pattern = like_pattern(search.term, prefix="")
            return or_(*(column.like(pattern, escape="!") for column in names))
        if search.kind == "digit":  # a range, not REGEXP '^[0-9]': the name / company indexes serve it
            return or_(*(and_(column >= "0", column < ":") for column in names))
        return or_(c.name > "", c.company > "")  # "all": getall

    def order(self, sort: str) -> list:
        c = self.table.c
        if sort == "company":
            return [c.company, c.name, c.id]
        return [case((c.name > "", c.name), else_=c.company), c.id]


def _text_key(value: str | None) -> tuple[bool, str]:
    """Python's side of the databases' order: NULL first, then case-insensitively."""
    return (value is not None, (value or "").casefold())


def sort_key(sort: str) -> Callable[[dict], tuple]:
    if sort == "company":
        return lambda row: (*_text_key(row["company"]), *_text_key(row["name"]))
    return lambda row: _text_key(row["name"] or row["company"])


class Phonebook:
    """``app.extensions["phonebook"]``: what the routes answer, for the caller ``username``."""

    def __init__(self, engine: AsyncEngine, central: Source | None = None, max_limit: int = 1000):
        self.cti = Source(CTI, engine, cti_phonebook)
        self.central = central
        self.max_limit = max_limit

    @property
    def sources(self) -> list[Source]:
        return [self.cti] + ([self.central] if self.central is not None else [])

    async def close(self) -> None:
        if self.central is not None:
            await self.central.engine.dispose()

    # -- searches

    async def search(self, username: str, search: Search) -> dict[str, Any]:
        """``{count, rows}``: contacts, or with ``view=company`` companies with their ``contacts``. When the
        centralized phonebook cannot be read, the CTI phonebook's alone (the warning is in the log)."""
        try:
            return await self._search(username, search, self.sources)
        except PhonebookUnavailable as exc:
            if exc.details.get("source") != CENTRALIZED:
                raise
            return await self._search(username, search, [self.cti])

    async def _search(self, username: str, search: Search, sources: list[Source]) -> dict[str, Any]:
        asked = []
        for source in sources:
            visible = source.visible(username, search.visibility)
            if visible is not None:
                asked.append((source, and_(visible, source.matching(search))))
        if search.view == "company" and search.kind != "all":
            return await self._companies(username, search, asked)
        return await self._contacts(search, asked)

    async def _contacts(self, search: Search, asked: list[tuple[Source, ColumnElement]]) -> dict[str, Any]:
        count = 0
        for source, condition in asked:
            count += await source.scalar(select(func.count()).select_from(source.table).where(condition))
        if len(asked) == 1:  # the page straight from the database
            source, condition = asked[0]
            rows = await source.all(
                select(source.table)
                .where(condition)
                .order_by(*source.order(search.sort))
                .offset(search.offset)
                .limit(search.limit)
            )
            return {"count": count, "rows": [source.contact(row) for row in rows]}
        pages = []
        for source, condition in asked:
            rows = await source.all(
                select(source.table)
                .where(condition)
                .order_by(*source.order(search.sort))
                .limit(search.offset + search.limit)
            )
            pages.append([source.contact(row) for row in rows])
        merged = heapq.merge(*pages, key=sort_key(search.sort))
        return {"count": count, "rows": list(islice(merged, search.offset, search.offset + search.limit))}

    async def _companies(
        self, username: str, search: Search, asked: list[tuple[Source, ColumnElement]]
    ) -> dict[str, Any]:
        def companies_of(source: Source, condition) -> Select:
            company = source.table.c.company
            return select(company).where(condition, company > "").group_by(company).order_by(company)

        if len(asked) == 1:
            source, condition = asked[0]
            company = source.table.c.company
            count = await source.scalar(select(func.count(company.distinct())).where(condition, company > ""))
            names = [
                row["company"]
                for row in await source.all(companies_of(source, condition).offset(search.offset).limit(search.limit))
            ]
        else:
            every = set()
            for source, condition in asked:
                every.update(row["company"] for row in await source.all(companies_of(source, condition)))
            count = len(every)
            names = sorted(every, key=str.casefold)[search.offset : search.offset + search.limit]
        sources = [source for source, _ in asked]
        return {"count": count, "rows": await self._company_cards(username, search.visibility, names, sources)}

    async def _company_cards(
        self, username: str, visibility: str, names: list[str], sources: list[Source]
    ) -> list[dict[str, Any]]:
        """Each company: its card (the row without a name) and its people ``[{id, name, source}]`` as JSON text."""
        if not names:
            return []
        cards: dict[str, dict] = {}
        people: dict[str, list[dict]] = {name: [] for name in names}
        for source in sources:
            visible = source.visible(username, visibility)
            if visible is None:
                continue
            c = source.table.c
            rows = await source.all(select(source.table).where(visible, c.company.in_(names)).order_by(c.id))
            for row in rows:
                if row["company"] not in people:
                    continue  # the same company in another case: it has its own row
                if row["name"]:
                    people[row["company"]].append({"id": row["id"], "name": row["name"], "source": source.name})
                elif row["company"] not in cards:
                    cards[row["company"]] = {**row, "source": source.name}
        out = []
        for name in names:
            card = cards.get(name, {})
            contacts = sorted(people[name], key=lambda person: person["name"].casefold())
            out.append(
                {
                    "company": name,
                    **{field: card.get(field) for field in COMPANY_FIELDS},
                    "contacts": json.dumps(contacts, separators=(",", ":"), ensure_ascii=False),
                }
            )
        return out

    # -- one contact

    async def cti_contact(self, username: str, contact_id: int) -> dict[str, Any]:
        """A CTI contact the caller may see (public or theirs); anyone else's private one does not exist."""
        row = await self._cti_row(contact_id)
        if row is None or not (row["type"] == PUBLIC or row["owner_id"] == username):
            raise NoSuchContact(f"No contact {contact_id}")
        return self.cti.contact(row)

    async def central_contact(self, contact_id: int) -> dict[str, Any]:
        if self.central is None:
            raise NoSuchContact("No centralized phonebook is configured")
        rows = await self.central.all(select(self.central.table).where(self.central.table.c.id == contact_id))
        if not rows:
            raise NoSuchContact(f"No contact {contact_id}")
        return self.central.contact(rows[0])

    async def _cti_row(self, contact_id: int) -> dict[str, Any] | None:
        rows = await self.cti.all(select(cti_phonebook).where(cti_phonebook.c.id == contact_id))
        return rows[0] if rows else None

    async def _owned(self, username: str, contact_id: int, admin: bool) -> dict[str, Any]:
        row = await self._cti_row(contact_id)
        if row is None:
            raise NoSuchContact(f"No contact {contact_id}")
        if row["owner_id"] != username and not admin:
            raise NotYourContact(f"Contact {contact_id} belongs to another user")
        return row

    # -- changes

    async def create(self, username: str, contact: dict[str, Any]) -> int:
        return (await self.insert(username, [contact]))[0]

    async def insert(self, username: str, contacts: Iterable[dict[str, Any]]) -> list[int]:
        """Store ``contacts`` as ``username``'s, in one transaction; their ids."""
        ids = []
        async with self.cti.engine.begin() as conn:
            for contact in contacts:
                result = await conn.execute(insert(cti_phonebook).values({**contact, "owner_id": username}))
                ids.append(result.inserted_primary_key[0])
        return ids

    async def modify(self, username: str, contact_id: int, changes: dict[str, Any], admin: bool) -> None:
        """Change the columns in ``changes`` (only those) of a contact the caller owns, or any with ``admin``."""
        await self._owned(username, contact_id, admin)
        if changes:
            async with self.cti.engine.begin() as conn:
                await conn.execute(update(cti_phonebook).where(cti_phonebook.c.id == contact_id).values(changes))

    async def delete(self, username: str, contact_id: int, admin: bool) -> None:
        await self._owned(username, contact_id, admin)
        async with self.cti.engine.begin() as conn:
            await conn.execute(delete(cti_phonebook).where(cti_phonebook.c.id == contact_id))

    # -- speed dials

    async def speeddials(self, username: str) -> list[dict[str, Any]]:
        c = cti_phonebook.c
        rows = await self.cti.all(
            select(cti_phonebook).where(c.owner_id == username, c.type == SPEEDDIAL).order_by(c.name, c.company, c.id)
        )
        return [self.cti.contact(row) for row in rows]

    async def delete_speeddials(self, username: str) -> int:
        c = cti_phonebook.c
        async with self.cti.engine.begin() as conn:
            result = await conn.execute(delete(cti_phonebook).where(c.owner_id == username, c.type == SPEEDDIAL))
        return result.rowcount
