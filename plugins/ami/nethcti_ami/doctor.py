"""``nethcti doctor`` for the ami plugin: Asterisk answers, the credentials log in, the user has the classes needed."""

from __future__ import annotations

import asyncio
import os

from nethcti import Finding
from nethcti.doctor import private_file
from nethcti.errors import StartupError
from nethcti_ami.config import Target, resolve_target
from nethcti_ami.errors import AMIUnavailable
from nethcti_ami.meter import RateMeter
from nethcti_ami.protocol import AMIProtocol

# What the model and the operations need (docs/ami.md; reference/astproxy.md section 8)
READ_CLASSES = ("call", "agent", "dialplan", "system", "user", "cdr")
WRITE_CLASSES = ("originate", "call", "system", "agent", "reporting", "command")
MANAGER_CONF = "/etc/asterisk/manager.conf (on NethVoice: manager_custom.conf)"


async def doctor_findings(config: dict) -> list[Finding]:
    findings: list[Finding] = []
    if config.get("asterisk_json"):
        findings.append(private_file("asterisk_json", config["asterisk_json"]))
    try:
        target = resolve_target(config)
    except StartupError as exc:
        return [*findings, Finding("the AMI credentials can be read", str(exc), "fix [ami] asterisk_json")]
    return findings + await _session_findings(target, config["action_timeout"])


async def _session_findings(target: Target, timeout: float) -> list[Finding]:
    reach = f"Asterisk's manager answers at {target.address}"
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            _, protocol = await loop.create_connection(lambda: AMIProtocol(lambda *_: None, RateMeter()),
                                                       target.host, target.port)
    except (OSError, TimeoutError) as exc:
        why = f"no connection within {timeout:g} s" if isinstance(exc, TimeoutError) else \
            os.strerror(exc.errno) if exc.errno else str(exc)
        return [Finding(reach, f"AMI {target.address} unreachable: {why}",
                        f"start Asterisk, or fix [ami] host/port (from {target.source}); manager.conf needs "
                        "enabled = yes and a bindaddr nethcti reaches")]
    try:
        return [Finding(reach), *await _logged_in_findings(protocol, target, timeout)]
    except (TimeoutError, AMIUnavailable) as exc:
        why = f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError) else str(exc)
        return [Finding(reach), Finding(f"AMI session with {target.address}", why, "check Asterisk's log")]
    finally:
        if not protocol.closed.done():
            protocol.send({"Action": "Logoff"}, track=False)
        protocol.close("doctor done")


async def _ask(protocol: AMIProtocol, fields: dict, timeout: float):
    action = protocol.send(fields)
    try:
        async with asyncio.timeout(timeout):
            reply = await action.future
    finally:
        protocol.forget(action)
    return reply[0] if isinstance(reply, list) else reply


async def _logged_in_findings(protocol: AMIProtocol, target: Target, timeout: float) -> list[Finding]:
    login = f"AMI login as {target.username!r}"
    reply = await _ask(protocol, {"Action": "Login", "Username": target.username, "Secret": target.secret,
                                  "Events": "off"}, timeout)
    if reply.get("Response") != "Success":
        return [Finding(login, f"AMI login as {target.username!r} refused: {reply.get('Message') or 'no reason'}",
                        f"check the username and secret in {target.source} against [{target.username}] in "
                        f"{MANAGER_CONF}, and its permit/deny lines")]
    classes = f"AMI user {target.username!r} has the classes nethcti needs"
    reply = await _ask(protocol, {"Action": "Command", "Command": f"manager show user {target.username}"}, timeout)
    if reply.get("Response") != "Success":
        return [Finding(login), Finding(classes, f"AMI user {target.username!r} may not run CLI commands "
                                                 f"({reply.get('Message') or 'refused'}): it lacks write class command",
                                        _fix(target.username, "write", ["command"]))]
    permissions = _permissions(reply)
    if permissions is None:
        return [Finding(login), Finding(classes, "Asterisk did not list the user's classes",
                                        f"check [{target.username}] in {MANAGER_CONF} by hand")]
    found = [Finding(login)]
    for kind, needed in (("read", READ_CLASSES), ("write", WRITE_CLASSES)):
        granted = permissions[kind]
        missing = [] if "all" in granted else [name for name in needed if name not in granted]
        found.append(Finding(f"AMI user {target.username!r} has the {kind} classes {', '.join(needed)}",
                             f"AMI user {target.username!r} lacks the {kind} classes {', '.join(missing)}" if missing
                             else None, _fix(target.username, kind, missing) if missing else None))
    return found


def _permissions(reply) -> dict[str, set[str]] | None:
    """``manager show user``'s ``read perm: call,agent,…`` and ``write perm: …`` lines, as sets."""
    output = reply.get("Output")
    lines = output if isinstance(output, list) else str(output or reply.get("content", "")).splitlines()
    found: dict[str, set[str]] = {}
    for line in lines:
        label, sep, value = line.partition(":")
        kind = label.strip().removesuffix(" perm")
        if sep and kind in ("read", "write") and label.strip().endswith("perm"):
            found[kind] = {name.strip() for name in value.split(",") if name.strip()}
    return found if len(found) == 2 else None


def _fix(username: str, kind: str, missing: list[str]) -> str:
    return (f"add {', '.join(missing)} to `{kind} =` of [{username}] in {MANAGER_CONF}, then "
            f"`asterisk -rx 'manager reload'`")

