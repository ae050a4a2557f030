"""Fixtures of the ami plugin's tests: captured log lines, the recorded transcript."""

from pathlib import Path

import pytest
from loguru import logger
from nethcti_ami.testing import read_transcript

TRANSCRIPTS = Path(__file__).with_name("transcripts")


@pytest.fixture
def logs():
    """Log records (loguru) emitted during the test, at DEBUG and above."""
    records = []
    sink = logger.add(lambda message: records.append(message.record), level="DEBUG")
    yield records
    logger.remove(sink)


@pytest.fixture(scope="session")
def transcript() -> list[str]:
    return read_transcript(TRANSCRIPTS / "originate-201-202.txt")
