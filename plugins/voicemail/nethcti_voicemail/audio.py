"""Greeting uploads: base64 WAV in, what app_voicemail plays out (WAV, 16-bit PCM, 8 kHz, mono).

No external tool: WAV is parsed with the standard library, and other rates or stereo are converted with
``audioop`` (standard library up to Python 3.12; the ``audioop-lts`` package on 3.13+). Without it only
8 kHz mono is accepted. Anything else (MP3, Ogg, 8-bit, float, compressed WAV) is refused with 400.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
import wave

from nethcti_voicemail.errors import AudioTooLarge, BadAudio

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop
    except ImportError:  # Python 3.13+ without audioop-lts
        audioop = None

RATE, WIDTH = 8000, 2
DATA_URI = re.compile(r"data:[\w/.+-]*(;[\w=.+-]+)*;base64,", re.I)
MAX_RATE = 192_000


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
    """``data`` (a PCM 16-bit WAV, mono or stereo, any rate) as an 8 kHz mono 16-bit WAV."""
    try:
        with wave.open(io.BytesIO(data)) as source:
            channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError, ValueError) as exc:
        raise BadAudio(f"audio: not a PCM WAV file ({exc})") from None
    if width != WIDTH or channels not in (1, 2) or not 1000 <= rate <= MAX_RATE or not frames:
        raise BadAudio("audio: a WAV of 16-bit PCM samples, mono or stereo, is needed",
                       {"channels": channels, "sample_bits": width * 8, "rate": rate})
    if (channels, rate) != (1, RATE):
        if audioop is None:
            raise BadAudio("audio: a WAV of 16-bit PCM samples, 8000 Hz, mono is needed",
                           {"channels": channels, "rate": rate})
        if channels == 2:
            frames = audioop.tomono(frames, WIDTH, 0.5, 0.5)
        if rate != RATE:
            frames, _ = audioop.ratecv(frames, WIDTH, 1, rate, RATE, None)
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(WIDTH)
        target.setframerate(RATE)
        target.writeframes(frames)
    return out.getvalue()
