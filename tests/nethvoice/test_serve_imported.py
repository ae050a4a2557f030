"""The imported configuration serves NethVoice's users and data: NethVoice's four databases on a real MariaDB
(nethcti3, asteriskcdrdb, phonebook, asterisk, one of them reached through the server's socket as NethVoice's
dbstatic.d says), the fixture /etc/nethcti pointed at them, ``nethcti import-nethvoice``, ``nethcti check``,
then the app served on a loopback port and used over HTTP as the clients do."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import httpx
from nethcti_ami.testing import FakeAMI
from nethcti_astproxy.testing import fake_ami_answers, read_transcript
from nethcti_auth.passwords import PasswordFile
from nethcti_auth.testing import client_token
from nethcti_history.testing import SAMPLE_ROWS, create_cdr
from nethcti_offhour.testing import seed_routes
from nethcti_phonebook.tables import cti_phonebook
from nethcti_phonebook.tables import metadata as phonebook_metadata
from nethcti_phonebook.testing import create_centralized
from nethcti_queuestats.testing import create_queue_log
from nethcti_voicemail.odbc import voicemessages_table
from sqlalchemy import MetaData, insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.cli import main
from nethcti.testing import running_app, served, wait_until, write_conf
from tests.mariadb import PASSWORD, USER

FIXTURE = Path(__file__).resolve().parent / "etc-nethcti"
TRANSCRIPTS = Path(__file__).resolve().parents[2] / "plugins" / "astproxy" / "tests" / "transcripts"
AMI_USER, AMI_SECRET = "proxycti", "Zq3rT7vY9pLk2sWx"  # the fixture's asterisk.json
PHONEBOOK_USER, PHONEBOOK_PASSWORD = "pbookuser", "p@ss:w/rd%"  # URL-special characters on purpose


async def nethvoice_databases(mariadb) -> dict[str, str]:
    """NethVoice's databases with their tables and a little data; database name -> its URL."""
    urls = {name: mariadb.create_database(name) for name in ("nethcti3", "asteriskcdrdb", "phonebook", "asterisk")}
    engine = create_async_engine(urls["nethcti3"])
    try:
        async with engine.begin() as conn:
            await conn.run_sync(phonebook_metadata.create_all, tables=[cti_phonebook])
            await conn.execute(insert(cti_phonebook).values(
                owner_id="alice", type="private", name="Dr. Franchi", cellphone="3337654321"))
    finally:
        await engine.dispose()
    await create_centralized(urls["phonebook"], [{"owner_id": "admin", "type": "", "name": "Paolo Gialli",
                                                   "company": "Gialli Costruzioni", "workphone": "051998877"}])
    await create_cdr(urls["asteriskcdrdb"], SAMPLE_ROWS)
    await create_queue_log(urls["asteriskcdrdb"], cdr_table=None)
    voicemessages = voicemessages_table("voicemessages", MetaData())
    engine = create_async_engine(urls["asteriskcdrdb"])
    try:
        async with engine.begin() as conn:
            await conn.run_sync(voicemessages.metadata.create_all)
            await conn.execute(insert(voicemessages).values(
                msgnum=0, dir="/var/spool/asterisk/voicemail/default/201/INBOX", context="from-internal",
                macrocontext="", callerid='"Bob Bianchi" <202>', origtime=str(int(datetime(2024, 3, 5).timestamp())),
                duration="7", mailboxuser="201", mailboxcontext="default", flag="", msg_id="1709600000-00000001",
                recording=b"RIFF"))
    finally:
        await engine.dispose()
    await seed_routes(urls["asterisk"], urls["nethcti3"])
    # NethVoice's phonebook user reaches MariaDB through its socket (dbport "/var/lib/mysql/mysql.sock")
    phonebook_db = make_url(urls["phonebook"]).database
    mariadb.sql(f"CREATE USER IF NOT EXISTS '{PHONEBOOK_USER}'@'localhost' IDENTIFIED BY '{PHONEBOOK_PASSWORD}';"
                f"GRANT ALL PRIVILEGES ON `{phonebook_db}`.* TO '{PHONEBOOK_USER}'@'localhost';")
    return urls


def point_etc_at(etc: Path, mariadb, urls: dict[str, str], ami_port: int) -> None:
    """The fixture's dbstatic.d and asterisk.json, with the private servers' addresses (as NethVoice would write)."""
    for path in (etc / "dbstatic.d").glob("*.json"):
        document = json.loads(path.read_text())
        for connection in document.values():
            database = make_url(urls[connection["dbname"]]).database
            if connection["dbname"] == "phonebook":
                connection.update(dbhost="localhost", dbport=str(mariadb.socket), dbuser=PHONEBOOK_USER,
                                  dbpassword=PHONEBOOK_PASSWORD, dbname=database)
            else:
                connection.update(dbhost="127.0.0.1", dbport=str(mariadb.port), dbuser=USER, dbpassword=PASSWORD,
                                  dbname=database)
        path.write_text(json.dumps(document, indent=4))
    asterisk = json.loads((etc / "asterisk.json").read_text())
    asterisk.update(host="127.0.0.1", port=str(ami_port))
    (etc / "asterisk.json").write_text(json.dumps(asterisk, indent=4))


class Client:
    """A NethVoice client over real HTTP: the nonce login, then ``Authorization: <user>:<token>``."""

    def __init__(self, http: httpx.AsyncClient):
        self.http = http
        self.headers: dict[str, dict] = {}

    async def log_in(self, username: str, password: str) -> None:
        response = await self.http.post("/webrest/authentication/login",
                                        json={"username": username, "password": password})
        assert response.status_code == 401 and "www-authenticate" in response.headers, response.text
        nonce = response.headers["www-authenticate"].split(" ")[1]
        self.headers[username] = {"Authorization": f"{username}:{client_token(username, password, nonce)}"}

    async def get(self, path: str, user: str, status: int = 200):
        response = await self.http.get("/webrest/" + path, headers=self.headers[user])
        assert response.status_code == status, (path, user, response.status_code, response.text)
        return response.json()


async def test_the_imported_configuration_serves_nethvoices_users_and_data(mariadb, tmp_path, capsys):
    urls = await nethvoice_databases(mariadb)
    etc = Path(shutil.copytree(FIXTURE, tmp_path / "etc-nethcti"))
    recorded = read_transcript(TRANSCRIPTS / "basic_call.jsonl")
    async with FakeAMI(AMI_USER, AMI_SECRET) as fake:
        fake_ami_answers(fake, recorded.raw["boot"])
        point_etc_at(etc, mariadb, urls, fake.port)
        conf = tmp_path / "conf.d"

        assert main(["--conf-dir", str(conf), "import-nethvoice", str(etc)]) == 0, capsys.readouterr().err
        assert "configuration OK" in capsys.readouterr().out

        # what a test machine lacks, in one later drop-in as an administrator would write it: a state directory
        # and files of its own, and passwords from a file (PAM would need system accounts for the users)
        write_conf(conf, "99-test.toml", f"""
            [server]
            state_dir = "{tmp_path / 'state'}"
            [logging]
            file = "{tmp_path / 'nethcti.log'}"
            [auth]
            backend = "file"
            [astproxy]
            recordings_dir = "{tmp_path / 'monitor'}"
            outgoing_dir = "{tmp_path / 'outgoing'}"
            outgoing_tmp_dir = "{tmp_path / 'tmp'}"
            [offhour]
            sounds_dir = "{tmp_path / 'sounds'}"
            record_dir = "{tmp_path / 'tmp'}"
            """)
        for directory in ("monitor", "outgoing", "tmp", "sounds"):  # Asterisk's, on NethVoice
            (tmp_path / directory).mkdir()
        passwords = PasswordFile(tmp_path / "state" / "passwords")
        for user in ("alice", "bob"):
            passwords.set(user, f"{user}-pw")
        assert main(["--conf-dir", str(conf), "check"]) == 0, capsys.readouterr().err

        async with running_app(conf) as app, served(app) as url, httpx.AsyncClient(base_url=url) as http:
            await wait_until(lambda: app.extensions["astproxy"].ready, "the model is loaded from the fake AMI")
            client = Client(http)
            await client.log_in("alice", "alice-pw")
            await client.log_in("bob", "bob-pw")

            # users.json and profiles.json as NethVoice wrote them
            me = await client.get("user/me", "alice")
            assert me["name"] == "Alice Rossi" and me["profile"]["id"] == "3"
            assert {e["id"] for e in me["endpoints"]["extension"]} == {"201", "92201"}
            assert me["recallOnBusy"] == "enabled"  # recallonbusy.json
            assert (await client.get("user/me", "bob"))["profile"]["name"] == "Base"

            # nethcti3.cti_phonebook and the centralized phonebook (reached through the socket)
            found = await client.get("phonebook/search/Franchi", "alice")
            assert [row["name"] for row in found["rows"]] == ["Dr. Franchi"]
            found = await client.get("phonebook/search/Gialli", "alice")
            assert [(row["name"], row["source"]) for row in found["rows"]] == [("Paolo Gialli", "centralized")]

            # asteriskcdrdb.cdr: alice (ad_cdr) reads the PBX's calls; bob (profile Base) only his own
            calls = await client.get("historycall/interval/user/alice/20240305/20240305", "alice")
            assert calls["count"] > 0, calls
            await client.get("histcallswitch/interval/20240305/20240305", "bob", status=403)

            # asteriskcdrdb.voicemessages (storage "odbc") and asterisk.incoming (the inbound routes)
            messages = await client.get("voicemail/list/inbox", "alice")
            assert [row["callerid"] for row in messages["rows"]] == ['"Bob Bianchi" <202>']
            routes = await client.get("offhour/list", "alice")
            assert any(route.startswith("0721405516") for route in routes), routes

            # nethcti.json's host names, asterisk.json's prefix
            assert (await client.get("profiling/all", "alice"))["hostname"] == "nethvoice.example.com"
            assert await client.get("astproxy/prefix", "alice") == {"prefix": ""}
