"""NethVoice's two default cards, exactly as conf.d/73-custcard.toml ships them, on the tables the phonebook and
history plugins read: a caller's identity from the centralized phonebook and their last calls from the CDRs."""

import base64
from pathlib import Path

import pytest
from nethcti_custcard.testing import shipped_cards
from nethcti_history.testing import cdr_row, create_cdr
from nethcti_phonebook.testing import create_centralized

from nethcti.testing import ApiClient, running_app, users_conf

SAMPLE = Path(__file__).resolve().parents[3] / "conf.d" / "73-custcard.toml"
USERS = """
[users]
enabled = true
[users.profiles.cards]
name = "Cards"
permissions = ["customer_card.cc_identity", "customer_card.cc_last_calls"]
[users.accounts.alice]
profile = "cards"
mainextension = "201"
"""


@pytest.fixture(params=["sqlite", "mariadb"])
def urls(request, tmp_path) -> tuple[str, str]:
    """(centralized phonebook, CDR) database URLs."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'phonebook.db'}", f"sqlite+aiosqlite:///{tmp_path / 'cdr.db'}"
    mariadb = request.getfixturevalue("mariadb")
    return mariadb.create_database("phonebook"), mariadb.create_database("asteriskcdrdb")


async def test_identity_and_last_calls_of_a_caller(tmp_path, urls):
    phonebook, cdr = urls
    await create_centralized(phonebook, [
        {"name": "Paolo Gialli", "company": "Gialli Costruzioni", "workphone": "0519988770",
         "cellphone": "3471234567", "workemail": "paolo@gialli.example", "owner_id": "admin", "type": "public"},
        {"name": "Someone Else", "company": "Other", "workphone": "0510000000", "owner_id": "admin", "type": "public"},
    ])
    await create_cdr(cdr, [
        cdr_row("2026-12-01 09:00:00", src="0519988770", dst="201", disposition="ANSWERED", duration=30),
        cdr_row("2026-12-02 10:00:00", src="201", dst="0519988770", disposition="NO ANSWER"),
        cdr_row("2026-12-03 11:00:00", src="0510000000", dst="202", disposition="ANSWERED"),
    ])
    extra = (f'[custcard]\nenabled = true\n[custcard.connections.phonebook]\nurl = "{phonebook}"\n'
             f'[custcard.connections.cdr]\nurl = "{cdr}"\n' + shipped_cards(SAMPLE))
    async with running_app(users_conf(tmp_path, extra, users=USERS)) as app:
        api = ApiClient(app, "/webrest/custcard/")
        cards = await api.get("getbynum/0519988770/html")
        identity = base64.b64decode(cards["cc_identity"]["data"]).decode()
        assert "<b>Paolo Gialli</b> Gialli Costruzioni" in identity and "paolo@gialli.example" in identity
        assert "Someone Else" not in identity
        calls = base64.b64decode(cards["cc_last_calls"]["data"]).decode()
        assert calls.count("<li>") == 2 and calls.index("NO ANSWER") < calls.index("ANSWERED")  # newest first
        assert "0510000000" not in calls
        rows = await api.get("getbynum/0519988770/json")
        assert [row["dst"] for row in rows["cc_last_calls"]["data"]] == ["0519988770", "201"]
