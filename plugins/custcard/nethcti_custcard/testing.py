"""Helpers for tests and the demo: NethVoice's default cards as conf.d/73-custcard.toml ships them (commented)."""

from __future__ import annotations

import re
from pathlib import Path


def shipped_cards(sample: str | Path) -> str:
    """The sample drop-in's commented ``[custcard.cards.*]`` sections, uncommented (TOML)."""
    text = Path(sample).read_text()
    block = text[text.index("# [custcard.cards."):].splitlines()
    return "\n".join(re.sub(r"^# ", "", line) for line in block if line.startswith("# ") and "template =" not in line)
