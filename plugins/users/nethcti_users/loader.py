"""Build a Directory from NethVoice's users.json / profiles.json and the TOML accounts of ``[users]``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from loguru import logger

from nethcti_users.model import EXTENSION_TYPES, Extension, Profile, User


class LoadError(Exception):
    """users/profiles data that cannot be used; the message names the file and the entry."""


class Directory:
    """One consistent snapshot of users and profiles, indexed for the lookups done per request and event."""

    def __init__(self, users: Iterable[User], profiles: Mapping[str, Profile], sources: Iterable[str] = ()):
        self.profiles = dict(profiles)
        self.users: dict[str, User] = {}
        self.by_extension: dict[str, User] = {}
        self.sources = list(sources)
        for user in users:
            if user.username in self.users:
                raise LoadError(f"user {user.username!r} is defined twice")
            self.users[user.username] = user
        for user in self.users.values():
            for exten in sorted(user.extension_ids):
                owner = self.by_extension.setdefault(exten, user)
                if owner is not user:
                    logger.warning("extension {} belongs to {} and {}: kept for {}", exten, owner.username,
                                   user.username, owner.username)


def read_json(path: str) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path}: cannot read: {exc}") from None
    except ValueError as exc:
        raise LoadError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise LoadError(f"{path}: expected a JSON object")
    return document


def profiles_from_json(document: Mapping[str, Any], origin: str) -> dict[str, Profile]:
    """profiles.json -> Profiles by id; ``permissions`` arrays become objects keyed by name (customer_card: by id)."""
    profiles = {}
    for key, entry in document.items():
        if not isinstance(entry, dict):
            raise LoadError(f"{origin}: profile {key!r} is not an object")
        profile_id = str(entry.get("id", key))
        granted: set[str] = set()
        macros = {}
        for macro, spec in (entry.get("macro_permissions") or {}).items():
            if not isinstance(spec, dict):
                raise LoadError(f"{origin}: profile {key!r}: macro permission {macro!r} is not an object")
            on = spec.get("value") is True
            if on:
                granted.add(macro)
            permissions = spec.get("permissions") or []
            items = permissions.values() if isinstance(permissions, dict) else permissions
            keyed = {}
            for permission in items:
                if not isinstance(permission, dict) or "name" not in permission:
                    raise LoadError(f"{origin}: profile {key!r}: {macro}: a permission without a name")
                name = str(permission["name"])
                keyed[str(permission.get("id", name)) if macro == "customer_card" else name] = permission
                if on and permission.get("value") is True:
                    granted.add(f"{macro}.{name}")
            macros[macro] = {**spec, "permissions": keyed}
        document_out = {**entry, "id": profile_id, "macro_permissions": macros}
        profiles[profile_id] = Profile(profile_id, str(entry.get("name", profile_id)), frozenset(granted), document_out)
    return profiles


def profiles_from_toml(section: Mapping[str, dict]) -> dict[str, Profile]:
    """``[users.profiles.<id>] permissions = ["settings.dnd", "phonebook"]``; a permission turns its macro on."""
    profiles = {}
    for profile_id, spec in section.items():
        granted = set()
        macros: dict[str, dict] = {}
        for name in spec["permissions"]:
            macro, _, permission = name.partition(".")
            granted.add(macro)
            entry = macros.setdefault(macro, {"value": True, "permissions": {}})
            if permission:
                granted.add(name)
                entry["permissions"][permission] = {"id": permission, "name": permission, "value": True}
        name = spec["name"] or profile_id
        document = {"id": profile_id, "name": name, "macro_permissions": macros}
        profiles[profile_id] = Profile(profile_id, name, frozenset(granted), document)
    return profiles


def users_from_json(document: Mapping[str, Any], profiles: Mapping[str, Profile], origin: str) -> list[User]:
    """users.json -> Users; usernames lower-cased, extensions of an unknown type skipped as the original does."""
    users = []
    for key, entry in document.items():
        if not isinstance(entry, dict):
            raise LoadError(f"{origin}: user {key!r} is not an object")
        username = str(key).lower()
        endpoints = entry.get("endpoints") or {}
        if not isinstance(endpoints, dict):
            raise LoadError(f"{origin}: user {key!r}: endpoints is not an object")

        def ids(kind: str, _endpoints=endpoints, _key=key) -> tuple[str, ...]:
            value = _endpoints.get(kind) or {}
            if not isinstance(value, dict):
                raise LoadError(f"{origin}: user {_key!r}: endpoints.{kind} is not an object")
            return tuple(str(i) for i in value)

        extensions = []
        for exten, spec in (endpoints.get("extension") or {}).items():
            spec = spec if isinstance(spec, dict) else {}
            if spec.get("type") not in EXTENSION_TYPES:
                logger.debug("{}: user {}: extension {} of type {!r} skipped", origin, username, exten,
                             spec.get("type"))
                continue
            extensions.append(Extension(
                str(exten), spec["type"], _opt(spec.get("user")), _opt(spec.get("password")),
                _opt(spec.get("web_user")), _opt(spec.get("web_password")), _opt(spec.get("mac")),
            ))
        profile_id = entry.get("profile_id")
        profile = profiles.get(str(profile_id)) if isinstance(profile_id, (str, int)) else None
        if profile_id is not None and profile is None:
            logger.warning("{}: user {}: profile {!r} does not exist: the user cannot log in",
                           origin, username, profile_id)
        main = ids("mainextension")
        users.append(User(
            username=username, name=str(entry.get("name") or username), profile=profile,
            mainextension=main[0] if main else None, extensions=tuple(extensions),
            voicemails=ids("voicemail"), cellphones=ids("cellphone"), emails=ids("email"), jabbers=ids("jabber"),
        ))
    return users


def users_from_toml(section: Mapping[str, dict], profiles: Mapping[str, Profile]) -> list[User]:
    """``[users.accounts.<username>]`` -> Users; the main extension is a physical phone unless listed otherwise."""
    users = []
    for key, spec in section.items():
        username = key.lower()
        profile = None
        if spec["profile"] is not None:
            profile = profiles.get(spec["profile"])
            if profile is None:
                raise LoadError(f"[users.accounts.{key}] profile {spec['profile']!r} is not defined")
        extensions = [Extension(**e) for e in spec["extensions"]]
        main = spec["mainextension"]
        if main and all(e.id != main for e in extensions):
            extensions.insert(0, Extension(main))
        users.append(User(
            username=username, name=spec["name"] or username, profile=profile, mainextension=main,
            extensions=tuple(extensions), voicemails=tuple(spec["voicemail"]), cellphones=tuple(spec["cellphone"]),
            emails=tuple(spec["email"]), jabbers=tuple(spec["jabber"]),
        ))
    return users


def load_directory(config: Mapping[str, Any]) -> Directory:
    """Everything ``[users]`` points at, as one Directory; LoadError names what is wrong."""
    profiles: dict[str, Profile] = {}
    sources = []
    if config["profiles_file"]:
        profiles.update(profiles_from_json(read_json(config["profiles_file"]), config["profiles_file"]))
        sources.append(config["profiles_file"])
    for profile_id, profile in profiles_from_toml(config["profiles"]).items():
        if profile_id in profiles:
            raise LoadError(f"[users.profiles.{profile_id}] profile id already defined in {config['profiles_file']}")
        profiles[profile_id] = profile
    users = []
    if config["users_file"]:
        users.extend(users_from_json(read_json(config["users_file"]), profiles, config["users_file"]))
        sources.append(config["users_file"])
    users.extend(users_from_toml(config["accounts"], profiles))
    if config["accounts"] or config["profiles"]:
        sources.append("conf.d [users]")
    return Directory(users, profiles, sources)


def _opt(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
