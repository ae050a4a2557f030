"""Greeting uploads: base64 WAV in, what app_voicemail plays out (WAV, 16-bit PCM, 8 kHz, mono).

No external tool: the conversion is the ami plugin's (``nethcti_ami.sounds``). Anything else (MP3, Ogg, 8-bit,
float, compressed WAV) is refused with 400.
"""

from __future__ import annotations

import base64
import binascii
import re

from nethcti_ami.sounds import SoundError, asterisk_wav

from nethcti_voicemail.errors import AudioTooLarge, BadAudio

DATA_URI = re.compile(r"data:[\w/.+-]*(;[\w=.+-]+)*;base64,", re.I)


def decode(text: str, max_bytes: int) -> bytes:
    """The bytes of a base64 string (a ``data:…;base64,`` prefix allowed); 413 past ``max_bytes`` decoded."""
    if prefix := DATA_URI.match(text):
        text = text[prefix.end():]
    if len(text) > (max_bytes + 2) // 3 * 4 + 4:  # checked before decoding anything
        raise AudioTooLarge(details={"max_bytes": max_bytes})
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadAudio("audio: not valid base64") from None
    if len(data) > max_bytes:
        raise AudioTooLarge(details={"max_bytes": max_bytes})
    return data


def to_voicemail_wav(data: bytes) -> bytes:
    """``data`` (a PCM 16-bit WAV, mono or stereo, any rate) as an 8 kHz mono 16-bit WAV; 400 otherwise."""
    try:
        return asterisk_wav(data)
    except SoundError as exc:
        raise BadAudio(f"audio: {exc}", exc.details) from None
