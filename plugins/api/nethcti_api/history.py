"""``/api/history/*`` of the middleware, mapped onto the history plugin's service (no summaries: no satellite)."""

from __future__ import annotations

from typing import Any

from nethcti.errors import NotFound

NO_ARTIFACT = ("summary", "transcription")  # AI summaries and transcripts: never, without the satellite service


class HistoryDisabled(NotFound):
    error_id, message = "history-disabled", "The history plugin is not enabled"


async def calls(history: Any, max_limit: int, viewer: Any, query: dict) -> dict:
    """``GET /api/history/calls``: the legacy interval route the middleware would call, paged by ``pageNum``.

    ``artifact=voicemail`` keeps the calls that left a voicemail, as the middleware, which pages after filtering.
    """
    if history is None:
        raise HistoryDisabled()
    from nethcti_history import schemas  # the history plugin is optional: imported only when it is enabled

    if query["artifact"] in NO_ARTIFACT:
        return {"count": 0, "rows": []}
    size, page = query["pageSize"], query["pageNum"]
    whole = query["artifact"] == "voicemail"
    direction = None if query["direction"] == "all" else query["direction"]
    call_type = query["callType"]
    params = {"sort": query["sort"], "removeLostCalls": query["direction"] == "in",
              "offset": 0 if whole else (page - 1) * size, "limit": max_limit if whole else min(size, max_limit)}
    if call_type in ("switchboard", "group", "groups"):
        page_params = schemas.SwitchParams().load({**params, "type": direction} if direction else params)
        interval = schemas.interval(page_params, query["from"], query["to"], query["textSearch"] or None, max_limit)
        fetch = history.switch_history if call_type == "switchboard" else history.groups_history
        result = await fetch(viewer, interval, page_params["type"])
    else:
        page_params = schemas.UserParams().load({**params, "direction": direction} if direction else params)
        interval = schemas.interval(page_params, query["from"], query["to"], query["textSearch"] or None, max_limit)
        result = await history.user_history(viewer, schemas.history_type(call_type), query["username"], interval,
                                            page_params["direction"])
    if not whole:
        return result
    rows = [row for row in result["rows"] if row.get("has_voicemail_message") is True
            or str(row.get("voicemail_message_id") or "").strip()]
    return {"count": len(rows), "rows": rows[(page - 1) * size:page * size]}


def statuses(lookups: list[dict]) -> list[dict]:
    """``POST /api/history/statuses``: no call has a summary or a transcription."""
    return [{"uniqueid": lookup.get("uniqueid", ""), "linkedid": lookup.get("linkedid", ""), "has_summary": False,
             "has_transcription": False, "error": "not_found"} for lookup in lookups]
