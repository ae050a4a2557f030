"""The /phonebook API over HTTP, logged in as the NethVoice clients do, on SQLite and on a real MariaDB."""

import base64
import json

from nethcti_phonebook.testing import create_centralized
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from nethcti.testing import free_port

ACME = {
    "type": "public",
    "name": "Mario Bianchi",
    "company": "Acme S.p.A.",
    "workphone": "0721 405060",
    "cellphone": "+39 347 1234567",
    "workemail": "mario@acme.example",
    "notes": "prefers mornings",
}


def csv64(text: str, bom: bool = False) -> str:
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


def names(result) -> list[str]:
    return [row["name"] for row in result["rows"]]


async def test_private_contacts_are_invisible_to_others(api):
    async with api() as api:
        private = await api.create(type="private", name="Zoe Private", cellphone="333111222")
        public = await api.create(type="public", name="Zoe Public", cellphone="333111333")
        assert names(await api.get("search/Zoe")) == ["Zoe Private", "Zoe Public"]
        result = await api.get("search/Zoe", "carol")
        assert result["count"] == 1 and result["rows"] == [await api.get(f"cticontact/{public}", "carol")]
        row = result["rows"][0]
        assert row["id"] == public and row["owner_id"] == "alice" and row["source"] == "cti"
        assert row["type"] == "public" and row["cellphone"] == "333111333" and row["homeemail"] is None
        assert len(row) == 29  # the 28 columns of cti_phonebook and "source"
        assert (await api.get(f"cticontact/{private}", "carol", status=404))["error_id"] == "no-such-contact"
        assert (await api.get(f"cticontact/{private}"))["name"] == "Zoe Private"
        assert names(await api.get("search/Zoe", visibility="private")) == ["Zoe Private"]
        assert names(await api.get("search/Zoe", visibility="public")) == ["Zoe Public"]
        assert (await api.get("search/Zoe", "dave", status=403))["details"] == {"permission": "phonebook"}


async def test_search_by_name_company_number_and_email(api):
    async with api() as api:
        await api.create(**ACME)
        await api.create(type="public", name="Luisa Verdi", company="Verdi Srl", homephone="0612345678")
        await api.create(type="private", name="", company="Acme S.p.A.", workphone="0721 400000")  # the card
        assert names(await api.get("search/bianchi")) == ["Mario Bianchi"]  # case-insensitive
        assert names(await api.get("search/acme")) == [None, "Mario Bianchi"]  # company, name order
        assert names(await api.get("search/acme", view="person")) == []
        assert names(await api.get("search/405060")) == ["Mario Bianchi"]
        assert names(await api.get("search/45678")) == ["Luisa Verdi"]
        assert names(await api.get("search/mornings")) == ["Mario Bianchi"]  # notes
        assert names(await api.get("searchemail/mario@acme")) == ["Mario Bianchi"]
        assert names(await api.get("searchemail/verdi")) == []  # no email: not an email contact
        assert names(await api.get("searchstartswith/lui")) == ["Luisa Verdi"]
        assert names(await api.get("searchstartswith/ario")) == []
        companies = await api.get("searchstartswith/ac", view="company")
        assert [row["company"] for row in companies["rows"]] == ["Acme S.p.A."] and companies["count"] == 1
        everyone = await api.get("getall/ignored")
        assert names(everyone) == [None, "Luisa Verdi", "Mario Bianchi"]  # by name, the card by its company
        assert (await api.get("search/"))["count"] == 3


async def test_search_terms_are_data(api):
    async with api() as api:
        await api.create(type="public", name="100% Pure")
        await api.create(type="public", name="1000 Pure")
        await api.create(type="public", name="a_b")
        await api.create(type="public", name="axb")
        await api.create(type="public", name="O'Brien \\ Co")
        assert names(await api.get("search/100%25")) == ["100% Pure"]
        assert names(await api.get("search/a_b")) == ["a_b"]
        assert names(await api.get("search/O'Brien \\")) == ["O'Brien \\ Co"]
        assert names(await api.get("searchstartswith/%25")) == []
        assert names(await api.get("searchstartswith_digit/all")) == ["100% Pure", "1000 Pure"]
        assert (await api.get("search/" + "x" * 256, status=400))["details"] == {
            "term": ["Longer than maximum length 255."]
        }


async def test_paging_is_bounded(api):
    async with api(extra="[phonebook]\nmax_limit = 3\n") as api:
        for number in range(5):
            await api.create(type="public", name=f"Contact {number}")
        page = await api.get("search/contact", offset="1", limit="2")
        assert page["count"] == 5 and names(page) == ["Contact 1", "Contact 2"]
        assert len((await api.get("search/contact"))["rows"]) == 3  # max_limit without a limit
        assert "limit" in (await api.get("search/contact", limit="4", status=400))["details"]
        assert "offset" in (await api.get("search/contact", offset="-1", status=400))["details"]
        assert "visibility" in (await api.get("search/contact", visibility="nobody", status=400))["details"]


async def test_the_company_view(api):
    async with api() as api:
        card = await api.create(type="public", name="", company="Acme", workphone="0721 400000", url="acme.example")
        mario = await api.create(type="public", name="Mario", company="Acme")
        anna = await api.create(type="private", name="Anna", company="Acme")
        await api.create(type="public", name="Luisa", company="Verdi Srl")
        result = await api.get("search/acme", view="company")
        assert result["count"] == 1
        (acme,) = result["rows"]
        assert acme["company"] == "Acme" and acme["id"] == card and acme["workphone"] == "0721 400000"
        assert acme["url"] == "acme.example" and acme["source"] == "cti"
        assert json.loads(acme["contacts"]) == [
            {"id": anna, "name": "Anna", "source": "cti"},
            {"id": mario, "name": "Mario", "source": "cti"},
        ]
        for_carol = (await api.get("search/acme", "carol", view="company"))["rows"][0]
        assert json.loads(for_carol["contacts"]) == [{"id": mario, "name": "Mario", "source": "cti"}]
        assert [row["company"] for row in (await api.get("search/", view="company"))["rows"]] == ["Acme", "Verdi Srl"]


async def test_speed_dials(api):
    async with api() as api:
        first = await api.create(type="speeddial", name="Pizza", speeddial_num="0721 111", notes="speeddial-basic")
        await api.create(type="speeddial", name="Bob", speeddial_num="202", notes="speeddial-favorite")
        await api.create("carol", type="speeddial", name="Carol's", speeddial_num="203")
        dials = await api.get("speeddials")
        assert [(d["name"], d["speeddial_num"], d["type"]) for d in dials] == [
            ("Bob", "202", "speeddial"),
            ("Pizza", "0721 111", "speeddial"),
        ]
        assert names(await api.get("search/pizza")) == []  # speed dials are not phonebook contacts
        assert (await api.get(f"cticontact/{first}"))["speeddial_num"] == "0721 111"
        assert await api.delete("speeddials") == 2
        assert await api.get("speeddials") == []
        assert [d["name"] for d in await api.get("speeddials", "carol")] == ["Carol's"]


async def test_csv_import_of_speed_dials(api):
    async with api() as api:
        text = (
            "name,speeddial_num,company,notes,owner_id\r\n"
            '"Rossi, Mario",0721 1,"Acme, Inc.","two\r\nlines",bob\r\n'
            "Plain,202,,,\r\n"
        )
        assert await api.post("import_csv_speeddial", {"file64": csv64(text, bom=True)}) == {"num": 2}
        dials = {d["name"]: d for d in await api.get("speeddials")}
        assert set(dials) == {"Rossi, Mario", "Plain"}
        assert dials["Rossi, Mario"]["company"] == "Acme, Inc." and dials["Rossi, Mario"]["notes"] == "two\r\nlines"
        assert dials["Rossi, Mario"]["owner_id"] == "alice" and dials["Plain"]["company"] is None

        bad = 'name,speeddial_num,workemail\nOk,1,ok@example.com\n"Bad, Row",2,not-an-email\n'
        error = await api.post("import_csv_speeddial", {"file64": csv64(bad)}, status=400)
        assert error["error_id"] == "invalid-csv"
        assert error["details"]["row"] == 3 and error["details"]["column"] == "workemail"
        assert "row 3, column workemail" in error["message"]
        assert len(await api.get("speeddials")) == 2  # nothing of the bad file was imported

        assert (await api.post("import_csv_speeddial", {"file64": csv64("number\n1\n")}, status=400))["details"] == {
            "row": 1,
            "column": "name",
        }
        unterminated = csv64('name,speeddial_num\n"open,1\n')
        assert (await api.post("import_csv_speeddial", {"file64": unterminated}, status=400))[
            "error_id"
        ] == "invalid-csv"
        assert (await api.post("import_csv_speeddial", {"file64": "data:text/csv;base64,@@@"}, status=400))[
            "details"
        ] == {"file64": ["Not valid base64"]}
        assert (await api.post("import_csv_speeddial", {}, status=400))["details"] == {
            "file64": ["Missing data for required field."]
        }


async def test_csv_import_is_bounded(api):
    async with api(extra="[phonebook]\nimport_max_bytes = 1024\nimport_max_rows = 2\n") as api:
        big = "name\n" + "x\n" * 600
        assert (await api.post("import_csv_speeddial", {"file64": csv64(big)}, status=400))["details"] == {
            "file64": ["At most 1024 bytes"]
        }
        three = "name\na\nb\nc\n"
        assert (await api.post("import_csv_speeddial", {"file64": csv64(three)}, status=400))["details"] == {"row": 4}
        assert await api.get("speeddials") == []


async def test_modify_and_delete_by_owner_other_user_and_admin(api):
    async with api() as api:
        contact = await api.create(type="public", name="Mario", workphone="111")
        await api.post(
            "modify_cticontact", {"id": str(contact), "workphone": "222", "owner_id": "carol", "source": "cti"}
        )
        row = await api.get(f"cticontact/{contact}")
        assert (row["workphone"], row["name"], row["owner_id"]) == ("222", "Mario", "alice")  # only what was sent

        refused = await api.post("modify_cticontact", {"id": contact, "name": "Carol's now"}, "carol", status=403)
        assert refused["error_id"] == "not-your-contact"
        assert (await api.post("delete_cticontact", {"id": contact}, "carol", status=403))[
            "error_id"
        ] == "not-your-contact"
        await api.post("modify_cticontact", {"id": contact, "name": "Mario Rossi"}, "bob")  # ad_phonebook
        assert (await api.get(f"cticontact/{contact}"))["name"] == "Mario Rossi"
        await api.post("delete_cticontact", {"id": contact}, "bob")
        assert (await api.get(f"cticontact/{contact}", status=404))["error_id"] == "no-such-contact"
        assert (await api.post("delete_cticontact", {"id": contact}, status=404))["error_id"] == "no-such-contact"

        mine = await api.create(type="private", name="Mine")
        await api.post("delete_cticontact", {"id": mine})
        assert await api.get("search/Mine") == {"count": 0, "rows": []}


async def test_every_field_is_validated(api):
    async with api() as api:
        for field, value in [
            ("workemail", "nope"),
            ("cellphone", "12ab"),
            ("homepob", "x" * 11),
            ("name", "x" * 256),
            ("company", "a\nb"),
            ("type", "group:sales"),
            ("fax", "1" * 26),
        ]:
            error = await api.post("create", {"type": "public", "name": "X", field: value}, status=400)
            assert error["error_id"] == "invalid-request" and field in error["details"], (field, error)
        assert "name" in (await api.post("create", {"type": "public"}, status=400))["details"]
        contact = await api.create(type="public", name="X", cellphone=3471234567)  # a JSON number is a number
        assert (await api.get(f"cticontact/{contact}"))["cellphone"] == "3471234567"
        error = await api.post("modify_cticontact", {"id": contact, "homeemail": "@"}, status=400)
        assert "homeemail" in error["details"]
        assert "id" in (await api.post("modify_cticontact", {"id": "x"}, status=400))["details"]
        assert "id" in (await api.get("cticontact/abc", status=400))["details"]


async def test_centralized_phonebook_is_merged(api, engine_url):
    central = [
        {"owner_id": "admin", "type": "", "name": "Anna Centrale", "company": "Zeta", "workphone": "0721 999"},
        {"owner_id": "", "type": "nethcti", "name": "Mario Copied", "company": "Acme"},  # a copy of a CTI contact
        {"owner_id": "", "type": "", "name": "", "company": "Zeta", "workphone": "0721 900"},
    ]
    await create_centralized(engine_url, central)
    async with api(extra=f'[phonebook]\ncentralized_url = "{engine_url}"\n') as api:
        await api.create(type="public", name="Mario Bianchi", company="Acme", workphone="0721 111")
        result = await api.get("search/0721")
        assert [(row["name"], row["source"]) for row in result["rows"]] == [
            ("Mario Bianchi", "cti"),
            ("", "centralized"),
            ("Anna Centrale", "centralized"),
        ]
        assert result["count"] == 3
        anna = result["rows"][2]
        assert anna["extension"] == "" and anna["speeddial_num"] == "" and len(anna) == 29
        assert await api.get(f"contact/{anna['id']}") == anna
        assert (await api.get("contact/9999", status=404))["error_id"] == "no-such-contact"
        assert names(await api.get("search/0721", offset="1", limit="1")) == [""]
        assert names(await api.get("search/0721", visibility="private")) == []
        company = await api.get("search/zeta", view="company")
        assert company["count"] == 1 and company["rows"][0]["source"] == "centralized"
        assert json.loads(company["rows"][0]["contacts"]) == [
            {"id": anna["id"], "name": "Anna Centrale", "source": "centralized"}
        ]
        assert names(await api.get("search/copied")) == []  # type "nethcti": already a CTI contact


SEARCHES = ["search/0721", "searchemail/acme", "searchstartswith/mario", "searchstartswith_digit/all", "getall/x"]


async def status_of(api) -> dict:
    return (await (await api.client.get("/webrest/status")).get_json())["plugins"]["phonebook"]


async def test_an_unreachable_centralized_phonebook_leaves_the_cti_contacts(api, logs):
    """The centralized phonebook's MariaDB down (a closed port): searches answer the CTI phonebook's contacts, the
    log says why once, /status is degraded; a centralized contact is a 503 that says which source failed."""
    closed = f"mysql+asyncmy://pbookuser:secret@127.0.0.1:{free_port()}/phonebook"
    async with api(extra=f'[phonebook]\ncentralized_url = "{closed}"\n') as api:
        mario = await api.create(type="public", name="Mario Bianchi", company="Acme", workphone="0721 111",
                                 workemail="mario@acme.example")
        await api.create(type="public", name="2Pac Shakur", workphone="0721 222")
        for path in SEARCHES:
            result = await api.get(path)
            assert result["rows"] and {row["source"] for row in result["rows"]} == {"cti"}, (path, result)
            assert result["count"] == len(result["rows"])
        assert [row["id"] for row in (await api.get("search/0721"))["rows"]] == [mario + 1, mario]
        assert names(await api.get("search/0721", "carol", visibility="public")) == ["2Pac Shakur", "Mario Bianchi"]
        company = await api.get("search/acme", view="company")
        assert company["count"] == 1 and json.loads(company["rows"][0]["contacts"])[0]["id"] == mario
        error = await api.get("contact/1", status=503)
        assert error["error_id"] == "phonebook-unavailable"
        assert error["details"] == {"source": "centralized", "error": "OperationalError"}
        assert "secret" not in json.dumps(error)
        assert (await api.get(f"cticontact/{mario}"))["name"] == "Mario Bianchi"
        status = await status_of(api)
        assert status["ok"] is False and status["centralized_error"] == "OperationalError"
        assert "secret" not in status["centralized"]
        warnings = [line for line in logs if "centralized phonebook cannot be read" in line]
        assert len(warnings) == 1 and "Can't connect" in warnings[0], logs  # once, not once per search


async def test_searches_merge_the_centralized_phonebook_again_once_it_answers(api, engine_url, logs):
    """Its table missing at first (a real database that answers with an error), then created: no restart."""
    async with api(extra=f'[phonebook]\ncentralized_url = "{engine_url}"\ncentralized_table = "phonebook"\n') as api:
        await api.create(type="public", name="Mario Bianchi", workphone="0721 111")
        assert names(await api.get("search/0721")) == ["Mario Bianchi"]
        assert (await status_of(api))["centralized_error"] is not None
        await create_centralized(engine_url, [{"owner_id": "admin", "type": "", "name": "Anna Centrale",
                                               "workphone": "0721 999"}])
        result = await api.get("search/0721")
        assert [(row["name"], row["source"]) for row in result["rows"]] == [("Anna Centrale", "centralized"),
                                                                             ("Mario Bianchi", "cti")]
        assert (await status_of(api)) | {"centralized": None} == {"ok": True, "centralized": None,
                                                                  "centralized_error": None}
        assert "phonebook: the centralized phonebook answers again" in logs


async def test_the_cti_phonebook_unreadable_is_a_503_naming_it(api, engine_url):
    """Nothing to fall back on: the contacts' own table gone (dropped behind nethcti's back) is a 503, not a 500."""
    async with api() as api:
        await api.create(type="speeddial", name="Reception", speeddial_num="200")
        engine = create_async_engine(engine_url)
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE cti_phonebook"))
        await engine.dispose()
        for path in ("search/0721", "getall/x", "cticontact/1", "speeddials"):
            error = await api.get(path, status=503)
            assert error["error_id"] == "phonebook-unavailable" and error["details"]["source"] == "cti", path
