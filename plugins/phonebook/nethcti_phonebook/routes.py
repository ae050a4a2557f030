"""``/phonebook/*``: nethcti-server's phonebook API, thin views over the Phonebook service."""

from __future__ import annotations

from marshmallow import ValidationError
from quart import Blueprint, current_app, g, jsonify

from nethcti.apidoc import EMPTY, documented
from nethcti.web import load_params, permission
from nethcti_phonebook import answers, csvimport
from nethcti_phonebook.schemas import Contact, ContactChanges, ContactId, CsvImport, Page, check_id, check_term
from nethcti_phonebook.schemas import Search as SearchParams
from nethcti_phonebook.service import Phonebook, Search

blueprint = Blueprint("phonebook", __name__, url_prefix="/phonebook")
ADMIN = "phonebook.ad_phonebook"  # may change and delete anyone's contacts


def phonebook() -> Phonebook:
    return current_app.extensions["phonebook"]


def page_of(params: dict) -> dict:
    """offset 0 and the configured ``max_limit`` when not given; a larger limit is a 400."""
    max_limit = phonebook().max_limit
    limit = params["limit"] if params["limit"] is not None else max_limit
    if limit > max_limit:
        raise ValidationError({"limit": [f"At most {max_limit}"]})
    return {"offset": params["offset"] or 0, "limit": limit}


async def searching(kind: str, term: str = "", view: str | None = None, sort: str | None = None) -> dict:
    params = await load_params(SearchParams())
    return await phonebook().search(
        g.user.username,
        Search(
            kind,
            check_term(term),
            view or params["view"],
            params["visibility"],
            sort or params["sort"] or "company",
            **page_of(params),
        ),
    )


@blueprint.get("/search/")
@blueprint.get("/search/<path:term>")
@permission("phonebook")
@documented(params=SearchParams, responses={200: answers.SEARCH})
async def search(term: str = ""):
    return await searching("contains", term)


@blueprint.get("/searchemail/")
@blueprint.get("/searchemail/<path:term>")
@permission("phonebook")
@documented(params=SearchParams, responses={200: answers.SEARCH})
async def search_email(term: str = ""):
    return await searching("email", term, view="all")


@blueprint.get("/searchstartswith/")
@blueprint.get("/searchstartswith/<path:term>")
@permission("phonebook")
@documented(params=SearchParams, responses={200: answers.SEARCH})
async def search_starts_with(term: str = ""):
    return await searching("startswith", term)


@blueprint.get("/searchstartswith_digit/<view>")
@permission("phonebook")
@documented(params=SearchParams, responses={200: answers.SEARCH})
async def search_starts_with_digit(view: str):
    return await searching("digit", view=check_term(view))


@blueprint.get("/getall/")
@blueprint.get("/getall/<path:term>")
@permission("phonebook")
@documented(params=Page, responses={200: answers.SEARCH})
async def get_all(term: str = ""):
    """Every contact by name (the company for a company's own card); the term is ignored, as the original."""
    params = await load_params(Page())
    return await phonebook().search(g.user.username, Search("all", sort="displayname", **page_of(params)))


@blueprint.get("/contact/<contact_id>")
@permission("phonebook")
@documented(responses={200: answers.ContactSchema})
async def central_contact(contact_id: str):
    return await phonebook().central_contact(check_id(contact_id))


@blueprint.get("/cticontact/<contact_id>")
@permission("phonebook")
@documented(responses={200: answers.ContactSchema})
async def cti_contact(contact_id: str):
    return await phonebook().cti_contact(g.user.username, check_id(contact_id))


@blueprint.get("/speeddials")
@permission("phonebook")
@documented(responses={200: answers.SPEEDDIALS})
async def speeddials():
    return jsonify(await phonebook().speeddials(g.user.username))


@blueprint.delete("/speeddials")
@permission("phonebook")
@documented(responses={200: {"type": "integer", "minimum": 0, "description": "how many speed dials were deleted"}})
async def delete_speeddials():
    return jsonify(await phonebook().delete_speeddials(g.user.username))  # the number deleted, as the original


@blueprint.post("/create")
@permission("phonebook")
@documented(params=Contact, responses={201: answers.CREATED})
async def create():
    contact_id = await phonebook().create(g.user.username, await load_params(Contact()))
    return {"id": contact_id}, 201


@blueprint.post("/modify_cticontact")
@permission("phonebook")
@documented(params=ContactChanges, responses={200: EMPTY})
async def modify():
    changes = await load_params(ContactChanges())
    contact_id = changes.pop("id")
    await phonebook().modify(g.user.username, contact_id, changes, admin=g.user.can(ADMIN))
    return {}


@blueprint.post("/delete_cticontact")
@permission("phonebook")
@documented(params=ContactId, responses={200: EMPTY})
async def delete():
    params = await load_params(ContactId())
    await phonebook().delete(g.user.username, params["id"], admin=g.user.can(ADMIN))
    return {}


@blueprint.post("/import_csv_speeddial")
@permission("phonebook")
@documented(params=CsvImport)
async def import_csv():
    """A CSV file (header row of column names) as the caller's speed dials: all its rows, or none."""
    file64 = (await load_params(CsvImport()))["file64"]
    config = current_app.plugin_config("phonebook")
    rows = csvimport.speeddials(csvimport.decode(file64, config["import_max_bytes"]), config["import_max_rows"])
    await phonebook().insert(g.user.username, rows)
    return {"num": len(rows)}
