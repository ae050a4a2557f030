"""Uploaded announcements: a ``data:audio/…;base64,`` URI in, what Asterisk plays out (WAV, 16-bit PCM, 8 kHz,
mono). WAV is converted by the ami plugin's ``nethcti_ami.sounds``; MP3 needs ``mpg123``, used only when installed."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import shutil
import tempfile
from pathlib import Path

from nethcti_ami.sounds import SoundError, asterisk_wav

from nethcti_offhour.errors import AudioTooLarge, UnsupportedAudio

WAV_TYPES = {"audio/wav", "audio/wave", "audio/x-wav"}
MP3_TYPES = {"audio/mp3", "audio/mpeg"}
DATA_URI = re.compile(r"data:(?P<type>[\w/.+-]+)(;[\w=.+-]+)*;base64,", re.I)
MPG123_TIMEOUT = 30.0


def decode_upload(text: str, max_bytes: int) -> tuple[str, bytes]:
    """(mime type, bytes) of the client's data URI; 400 for another type or bad base64, 413 past ``max_bytes``."""
    match = DATA_URI.match(text)
    if match is None:
        raise UnsupportedAudio("audio_content: a data:audio/…;base64, URI is needed")
    mime = match["type"].lower()
    if mime not in WAV_TYPES | MP3_TYPES:
        raise UnsupportedAudio(f"audio_content: {mime} is not a WAV or MP3 type", {"type": mime})
    body = text[match.end():]
    if len(body) > (max_bytes + 2) // 3 * 4 + 4:  # before decoding anything
        raise AudioTooLarge(details={"max_bytes": max_bytes})
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise UnsupportedAudio("audio_content: not valid base64") from None
    if len(data) > max_bytes:
        raise AudioTooLarge(details={"max_bytes": max_bytes})
    return mime, data


async def to_announcement_wav(mime: str, data: bytes) -> bytes:
    """The upload as an 8 kHz mono 16-bit WAV."""
    if mime in MP3_TYPES:
        data = await mp3_to_wav(data)
    return resample(data)


async def mp3_to_wav(data: bytes) -> bytes:
    mpg123 = shutil.which("mpg123")
    if mpg123 is None:
        raise UnsupportedAudio("audio_content: MP3 needs mpg123, which is not installed on the server: upload a WAV",
                               {"converter": "mpg123"})
    with tempfile.TemporaryDirectory(prefix="nethcti-offhour-") as tmp:
        source, target = Path(tmp, "in.mp3"), Path(tmp, "out.wav")
        source.write_bytes(data)
        process = await asyncio.create_subprocess_exec(
            mpg123, "-q", "-w", str(target), str(source),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            code = await asyncio.wait_for(process.wait(), MPG123_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise UnsupportedAudio("audio_content: the MP3 could not be converted in time") from None
        if code != 0 or not target.exists():
            raise UnsupportedAudio("audio_content: not an MP3 file mpg123 can read")
        return target.read_bytes()


def resample(data: bytes) -> bytes:
    """``data`` (a 16-bit PCM WAV, mono or stereo, any rate) as an 8 kHz mono 16-bit WAV; 400 otherwise."""
    try:
        return asterisk_wav(data)
    except SoundError as exc:
        raise UnsupportedAudio(f"audio_content: {exc}", exc.details) from None
