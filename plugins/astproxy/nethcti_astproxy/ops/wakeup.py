"""Operations: wake-up calls, Asterisk call files in the outgoing spool (``<ext>-<unix time>.call``, mtime = the time).

A file is written in ``outgoing_tmp_dir`` and renamed into ``outgoing_dir`` (same filesystem): Asterisk's
pbx_spool never reads half a file, and it holds a file whose mtime is in the future until that time.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

from marshmallow import ValidationError, fields, post_load, validate

from nethcti.errors import NotFound, ServiceUnavailable
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import Context, Exten, Operation, Params

AD_PHONE = "presence_panel.ad_phone"  # wake-up calls for extensions that are not one's own (a reception)
PAST_TOLERANCE = 60  # seconds: a wake-up for the current minute is still accepted (it rings at once)
# only names nethcti writes: an extension id, its Unix time; never a path
CALL_FILE = re.compile(r"(?P<exten>[A-Za-z0-9_*#+-][A-Za-z0-9_*#+.-]{0,79})-(?P<time>[0-9]{1,12})\.call\Z")


class NoSuchWakeup(NotFound):
    error_id, message = "no-such-wakeup", "No such wake-up call"


class SpoolUnavailable(ServiceUnavailable):
    error_id, message = "wakeup-spool-unavailable", "The outgoing spool of Asterisk cannot be used"


def spool_failure(exc: OSError) -> SpoolUnavailable:
    """A missing or unwritable spool (or a temp dir on another filesystem): named by its errno, not its path."""
    return SpoolUnavailable(details={"errno": errno.errorcode.get(exc.errno or 0, "unknown")})


class WakeupParams(Params):
    extension = Exten(required=True)
    date = fields.String(required=True, validate=validate.Regexp(r"[0-9]{8}\Z", error="Must be YYYYMMDD"))
    time = fields.String(required=True, validate=validate.Regexp(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?\Z",
                                                                 error="Must be hh:mm (or hh:mm:ss)"))
    maxRetries = fields.Integer(load_default=5, validate=validate.Range(min=0, max=100))
    retryTime = fields.Integer(load_default=60, validate=validate.Range(min=1, max=86400))
    waitTime = fields.Integer(load_default=30, validate=validate.Range(min=1, max=600))

    @post_load
    def when(self, data, **kwargs):
        clock = data["time"] if data["time"].count(":") == 2 else data["time"] + ":00"
        try:
            moment = datetime.strptime(f"{data['date']} {clock}", "%Y%m%d %H:%M:%S")  # the server's local time
        except ValueError:
            raise ValidationError("Not a valid date and time", "time") from None
        data["at"] = int(moment.timestamp())
        if data["at"] < time.time() - PAST_TOLERANCE:
            raise ValidationError("The time has passed", "time")
        return data


def call_file(channel: str, at: int, params: dict) -> str:
    """The call file: ring ``channel``; answered, the call goes to NethVoice's ``sveglia`` context."""
    return (f"Channel: {channel}\nMaxRetries: {params['maxRetries']}\nRetryTime: {params['retryTime']}\n"
            f"WaitTime: {params['waitTime']}\nCallerID: 'Sveglia' <Sveglia>\nContext: sveglia\nExtension: s\n"
            f"Priority: 1\nSet: ALARM={at}\n")


def write_call_file(outgoing: Path, tmp_dir: Path, name: str, content: str, at: int) -> None:
    """Write in ``tmp_dir``, set the mtime, rename into ``outgoing``: Asterisk sees the whole file or none."""
    fd, tmp = tempfile.mkstemp(prefix=".wakeup-", suffix=".tmp", dir=tmp_dir)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # Asterisk may run as another user
        os.utime(tmp, (at, at))
        os.rename(tmp, outgoing / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def may_wake(ctx: Context, exten: str) -> bool:
    return ctx.user.owns_extension(exten) or ctx.user.can(AD_PHONE)


async def create(ctx: Context, params: dict) -> dict:
    exten = params["extension"]
    ctx.require_own(exten, AD_PHONE, field="extension")
    ctx.extension(exten, field="extension")
    name = f"{exten}-{params['at']}.call"
    content = call_file(f"Local/{exten}@{ctx.context_of(exten)}", params["at"], params)
    statics = ctx.statics
    try:
        await asyncio.to_thread(write_call_file, Path(statics.outgoing_dir), Path(statics.outgoing_tmp_dir), name,
                                content, params["at"])
    except OSError as exc:
        raise spool_failure(exc) from None
    return {"filename": name, "extension": exten, "time": params["at"]}


async def listing(ctx: Context) -> list[str]:
    """GET /astproxy/wakeup: the pending wake-up calls of the caller's extensions (every one with ad_phone)."""
    try:
        names = await asyncio.to_thread(lambda: sorted(entry.name for entry in os.scandir(ctx.statics.outgoing_dir)))
    except OSError as exc:
        raise spool_failure(exc) from None
    return [name for name in names if (match := CALL_FILE.match(name)) and may_wake(ctx, match["exten"])]


class DeleteParams(Params):
    filename = fields.String(required=True, validate=validate.Regexp(CALL_FILE, error="Not a wake-up call file"))


async def delete(ctx: Context, params: dict) -> dict:
    """DELETE /astproxy/wakeup ``{filename}``: the call is not made."""
    name = params["filename"]
    exten = CALL_FILE.match(name)["exten"]
    ctx.require_own(exten, AD_PHONE, field="filename")
    try:
        await asyncio.to_thread((Path(ctx.statics.outgoing_dir) / name).unlink)
    except FileNotFoundError:
        raise NoSuchWakeup(f"No wake-up call {name}", {"filename": name}) from None
    except OSError as exc:
        raise spool_failure(exc) from None
    return {"deleted": name}


OPERATIONS = (Operation("wakeup", WakeupParams, create, answers.WakeupCreated),)
