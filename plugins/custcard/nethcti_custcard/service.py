"""``app.extensions["custcard"]``: which cards a user may see, and each card for a number, rendered."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncEngine

from nethcti.errors import APIError, BadRequest
from nethcti_custcard.errors import NoSuchConnection, PreviewForbidden
from nethcti_custcard.sql import checked_select, json_rows, run_select
from nethcti_custcard.templates import Templates


@dataclass(frozen=True)
class Card:
    id: str
    description: str
    connection: str
    sql: str  # checked: one SELECT, :number bound
    template: str | None  # a file of the templates directory
    template_text: str | None

    @property
    def permission(self) -> str:
        """NethVoice's profile permission of a card: ``customer_card.<name>`` (``cc_identity`` …)."""
        return f"customer_card.{self.id}"


class CustomerCards:
    def __init__(self, cards: Mapping[str, Card], engines: Mapping[str, AsyncEngine], templates: Templates, *,
                 row_limit: int, timeout: float, admins: list[str]):
        self.cards, self.engines, self.templates = dict(cards), dict(engines), templates
        self.row_limit, self.timeout, self.admins = row_limit, timeout, {a.lower() for a in admins}
        self.failures = 0

    def permitted(self, user: Any) -> list[Card]:
        return [card for card in self.cards.values() if user.can(card.permission)]

    def list(self, user: Any) -> dict[str, dict]:
        return {card.id: {"descr": card.description} for card in self.permitted(user)}

    async def rows(self, card: Card, number: str) -> list[dict]:
        return await run_select(self.engines[card.connection], card.sql, number, row_limit=self.row_limit,
                                timeout=self.timeout)

    def html(self, card: Card, rows: list[dict], number: str) -> str:
        context = {"name": card.description, "results": rows, "number": number}
        return self.templates.render(context, name=card.template, source=card.template_text)

    async def by_number(self, user: Any, number: str, fmt: str) -> dict[str, dict]:
        """Every card the user may see, for ``number``: ``{id: {data, number, descr}}``; ``data`` is base64 HTML
        (html) or the rows (json). A card whose query or template fails is left out (and logged)."""

        async def one(card: Card):
            try:
                rows = await self.rows(card, number)
                data = base64.b64encode(self.html(card, rows, number).encode()).decode() if fmt == "html" \
                    else json_rows(rows)
            except APIError as exc:
                self.failures += 1
                logger.warning("custcard: card {} for {!r}: {}", card.id, number, exc.message)
                return None
            return card.id, {"data": data, "number": number, "descr": card.description}

        results = await asyncio.gather(*(one(card) for card in self.permitted(user)))
        return dict(result for result in results if result is not None)

    async def preview(self, user: Any, connection: str, query_b64: str, template: str, number: str) -> dict:
        """The original's preview for card authors: ``{"html": base64}``; only for ``admins``."""
        if user.username.lower() not in self.admins:
            raise PreviewForbidden()
        engine = self.engines.get(connection)
        if engine is None:
            raise NoSuchConnection(details={"dbconn_id": connection})
        try:
            query = base64.b64decode(query_b64, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise BadRequest("Invalid value for: query", {"query": ["Not base64 of UTF-8 text"]}) from None
        sql = checked_select(query)
        self.templates.check(template)
        rows = await run_select(engine, sql, number, row_limit=self.row_limit, timeout=self.timeout)
        html = self.templates.render({"name": "", "results": rows, "number": number}, name=template)
        return {"html": base64.b64encode(html.encode()).decode()}

    async def close(self) -> None:
        for engine in self.engines.values():
            await engine.dispose()

    def status(self) -> dict:
        return {"ok": True, "cards": len(self.cards), "connections": sorted(self.engines), "failures": self.failures}
