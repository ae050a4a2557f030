"""The JSON of users as nethcti-server's ``/user`` API shows them: endpoints, presences, profile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nethcti_presence.rules import UserPresence

SOFT_PHONES = ("webrtc", "mobile")  # the server knows how to answer, hold and send tones on these
HIDDEN_MACROS = ("remote_sites",)  # left out of the profile in /user/me, as the original

UserAgent = Callable[[str], "str | None"]  # extension -> its phone's user agent (the endpoint's description)


def extension_json(device: Any, agent: UserAgent, *, own: bool, me: bool, proxy_port: int | None) -> dict:
    """One ``endpoints.extension`` item; SIP credentials only for the owner (``secret`` blank for others)."""
    out: dict[str, Any] = {"id": device.id, "type": device.type, "description": agent(device.id)}
    if device.type in SOFT_PHONES:
        if device.user is not None:
            out["username"] = device.user
        out["secret"] = (device.password or "") if own else ""
    elif not own:
        out["secret"] = ""
    if me:
        soft = device.type in SOFT_PHONES  # physical phones: no phone HTTP API support (phone_urls) yet
        out["actions"] = {"answer": soft, "dtmf": soft, "hold": soft}
        out["proxy_port"] = proxy_port if device.type == "mobile" else None
    return out


def endpoints_json(user: Any, agent: UserAgent, *, own: bool, me: bool = False, chat_url: str | None = None,
                   proxy_port: int | None = None) -> dict:
    """The user's endpoints by type; ``me``: the owner's view in /user/me (phone actions, chat server)."""
    jabber = [{"id": jid, "server": chat_url} if me else {"id": jid} for jid in user.jabbers]
    return {
        "email": [{"id": address} for address in user.emails],
        "jabber": jabber,
        "extension": [extension_json(device, agent, own=own, me=me, proxy_port=proxy_port)
                      for device in user.extensions],
        "cellphone": [{"id": number} for number in user.cellphones],
        "voicemail": [{"id": box} for box in user.voicemails],
        "mainextension": [{"id": user.mainextension, "description": agent(user.mainextension)}]
        if user.mainextension else [],
    }


def user_json(user: Any, state: UserPresence, endpoints: dict, recall_on_busy: str) -> dict:
    """A user as ``/user/endpoints/all`` lists it (and the first fields of ``/user/me``)."""
    return {
        "name": user.name, "username": user.username, "mainPresence": state.main.status,
        "presence": state.presence.status, "endpoints": endpoints,
        "presenceOnBusy": state.presence_onbusy.status, "presenceOnUnavailable": state.presence_onunavailable.status,
        "recallOnBusy": recall_on_busy,
    }


def profile_json(profile: Any) -> dict | None:
    """The profile as profiles.json has it, permissions keyed by name, without the macros the original hides."""
    if profile is None:
        return None
    document = dict(profile.document)
    macros = document.get("macro_permissions") or {}
    document["macro_permissions"] = {name: macro for name, macro in macros.items() if name not in HIDDEN_MACROS}
    return document


def default_device(user: Any, endpoints: dict, chosen: str | None) -> dict | None:
    """The extension item of the user's default device: the ``default_extension`` setting, else the main one."""
    items = {item["id"]: item for item in endpoints["extension"]}
    for exten in (chosen, user.mainextension):
        if exten is not None and exten in items:
            return items[exten]
    return next(iter(items.values()), None)
