"""Sound files as Asterisk plays them (16-bit PCM WAV, 8 kHz, mono), for the plugins that store greetings and
announcements (voicemail, offhour).

WAV is parsed with the standard library; other rates or stereo are converted with ``audioop`` (standard library
up to Python 3.12; the ``audioop-lts`` package on 3.13+). Without it only 8 kHz mono is accepted.
"""

from __future__ import annotations

import io
import warnings
import wave
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop
    except ImportError:  # Python 3.13+ without audioop-lts
        audioop = None

RATE, WIDTH, MAX_RATE = 8000, 2, 192_000


class SoundError(ValueError):
    """Not a sound Asterisk can be given; ``details`` says what was found (the caller words its 400)."""

    def __init__(self, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.details = details


def asterisk_wav(data: bytes) -> bytes:
    """``data`` (a 16-bit PCM WAV, mono or stereo, any rate) as an 8 kHz mono 16-bit WAV."""
    try:
        with wave.open(io.BytesIO(data)) as source:
            channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
            frames = source.readframes(source.getnframes())
    except (wave.Error, EOFError, ValueError) as exc:
        raise SoundError(f"not a PCM WAV file ({exc})") from None
    if width != WIDTH or channels not in (1, 2) or not 1000 <= rate <= MAX_RATE or not frames:
        raise SoundError("a WAV of 16-bit PCM samples, mono or stereo, is needed",
                         {"channels": channels, "sample_bits": width * 8, "rate": rate})
    if (channels, rate) != (1, RATE):
        if audioop is None:
            raise SoundError("a WAV of 16-bit PCM samples, 8000 Hz, mono is needed",
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
