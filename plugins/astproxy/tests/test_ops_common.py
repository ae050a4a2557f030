"""What every operation shares: numbers and ids refused before AMI sees them, access rules, the prefix rule."""

from types import SimpleNamespace

import pytest
from marshmallow import ValidationError, validates_schema
from nethcti_astproxy.errors import NoSuchExtension, NotYourExtension
from nethcti_astproxy.objects import Extension
from nethcti_astproxy.ops import answers
from nethcti_astproxy.ops.common import (
    ChannelName,
    Context,
    ConvId,
    Exten,
    Number,
    Operation,
    OperationForbidden,
    Params,
    normalize_number,
    one_of,
)
from nethcti_astproxy.ops.routes import OPERATIONS, view_for
from nethcti_astproxy.statics import Statics
from nethcti_users.model import Profile, User

from nethcti.apidoc import EMPTY


@pytest.mark.parametrize(("written", "dialled"), [
    ("202", "202"),
    ("+39 0721 405516", "00390721405516"),
    ("(0721) 40-55.16", "0721405516"),
    ("0721/405516", "0721405516"),
    ("*43", "*43"),
    ("**202", "**202"),
    ("12#", "12#"),
])
def test_numbers_are_normalised_as_the_original_does(written, dialled):
    assert normalize_number(written) == dialled


@pytest.mark.parametrize("bad", ["", "abc", "202a", "202\r\nAction: Hangup", "20\x002", "++39", "39+1", "2" * 41,
                                 "202;1", "PJSIP/202"])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError):
        normalize_number(bad)


class Body(Params):
    number = Number(required=True)
    exten = Exten(load_default=None)
    channel = ChannelName(load_default=None)
    convid = ConvId(load_default=None)
    endpointId = Exten(load_default=None)
    endpointType = Exten(load_default=None)

    @validates_schema
    def _together(self, data, **_kwargs):
        one_of("endpointId", "endpointType")(data)


def errors_of(body: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        Body().load(body)
    return caught.value.normalized_messages()


def test_fields_accept_what_clients_send():
    loaded = Body().load({"number": 202, "exten": 201, "channel": "Local/201@from-queue-0000000a;1",
                          "convid": "PJSIP/201-00000001>PJSIP/202-00000002", "endpointTpe": "extension"})
    assert loaded["number"] == "202" and loaded["exten"] == "201"  # JSON integers too
    assert "endpointTpe" not in loaded  # unknown fields are ignored, as the original ignores them
    assert Body().load({"number": "+39 333", "convid": "PJSIP/203-00000005>"})["number"] == "0039333"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "number"),
    ({"number": "call me"}, "number"),
    ({"number": "202\r\n"}, "number"),
    ({"number": True}, "number"),
    ({"number": "202", "exten": "20 1"}, "exten"),
    ({"number": "202", "exten": "201\n"}, "exten"),
    ({"number": "202", "channel": "PJSIP/201-0001\r\nAction: Hangup"}, "channel"),
    ({"number": "202", "channel": "PJSIP/\u0662\u0660\u0661-1"}, "channel"),  # Unicode \\w: refused
    ({"number": "202", "convid": "PJSIP/201-1>PJSIP/202-2 "}, "convid"),
    ({"number": "202", "convid": "x" * 401}, "convid"),
    ({"number": "202", "endpointId": "201"}, "endpointType"),
    ({"number": "202", "endpointType": "extension"}, "endpointId"),
])
def test_malformed_fields_are_named(body, field):
    assert field in errors_of(body)


# ------------------------------------------------------------------ access rules


def user(username: str, *permissions: str, extensions=("201",), cellphones=()) -> User:
    profile = Profile("p", "p", frozenset(permissions), {})
    return User(username, username, profile, mainextension=extensions[0] if extensions else None,
                cellphones=tuple(cellphones), extension_ids=frozenset(extensions))


def context(who: User, *, prefix: str = "", chosen: str | None = None, loaded: bool = True) -> Context:
    extensions = {"201": Extension("201"), "202": Extension("202"), "91201": Extension("91201")}
    extensions["201"].context = "from-internal"
    extensions["91201"].context = "from-webrtc"

    def current():
        if not loaded:
            raise RuntimeError("not loaded")

    astproxy = SimpleNamespace(
        statics=Statics(prefix=prefix, transfer_context="from-transfer"),
        extension=lambda exten: extensions.get(exten) if loaded else None,
        current=current,
        default_extension=lambda _user: chosen,
    )
    return Context(astproxy, who)


def test_own_extension_or_a_bypass_permission():
    alice = context(user("alice", "presence_panel.hangup", extensions=("201", "91201")))
    alice.require_own("201")
    alice.require_own("91201")
    alice.require_own("202", "presence_panel.hangup")
    with pytest.raises(NotYourExtension) as caught:
        alice.require_own("202", "presence_panel.transfer", field="destId")
    assert caught.value.details == {"destId": "202"}


def test_permissions():
    bob = context(user("bob", "settings.parkings", extensions=("202",)))
    bob.require_permission("settings.parkings", "presence_panel.ad_parking")
    with pytest.raises(OperationForbidden) as caught:
        bob.require_permission("presence_panel.pickup")
    assert caught.value.details == {"permission": "presence_panel.pickup"}
    nobody = context(User("eve", "eve", None))
    with pytest.raises(OperationForbidden):
        nobody.require_permission("presence_panel.pickup")


def test_default_extension_is_the_plugins_choice_if_owned_else_the_main_one():
    alice = user("alice", extensions=("201", "91201"))
    assert context(alice).default_extension() == "201"
    assert context(alice, chosen="91201").default_extension() == "91201"
    assert context(alice, chosen="202").default_extension() == "201"  # not hers: ignored
    with pytest.raises(NotYourExtension):
        context(User("eve", "eve", None)).default_extension()


def test_contexts():
    alice = user("alice", extensions=("201", "91201"))
    assert context(alice).context_of("201") == "from-internal"
    assert context(alice).context_of("202") == "from-transfer"  # no context known: the transfer context
    assert context(alice, chosen="91201").user_context() == "from-webrtc"
    assert context(User("eve", "eve", None)).user_context() == "from-transfer"


def test_lookups_404():
    with pytest.raises(NoSuchExtension) as caught:
        context(user("alice")).extension("299", field="destId")
    assert caught.value.details == {"destId": "299"}
    assert context(user("alice")).dial_string("202") == "PJSIP/202"


@pytest.mark.parametrize(("number", "dialled"), [
    ("0721405516", "90721405516"),
    ("00390721405516", "00390721405516"),  # international: as it is
    ("202", "202"),  # an extension
    ("*43", "*43"),  # a feature code
    ("**202", "**202"),
])
def test_the_outside_line_prefix(number, dialled):
    assert context(user("alice"), prefix="9").add_prefix(number) == dialled
    assert context(user("alice")).add_prefix(number) == number  # no prefix configured


async def _nothing(ctx, params):
    return None


def test_every_operation_documents_its_answer():
    """An operation's answer is ``{}`` unless it says otherwise; each view hands its answer to /openapi.json
    (where the openapi plugin's live tests and fuzzing hold the real answers to it)."""
    assert Operation("quiet", Params, _nothing).answer == EMPTY
    for operation in OPERATIONS:
        assert view_for(operation).nethcti_doc.responses == {200: operation.answer}, operation.name
    by_name = {operation.name: operation.answer for operation in OPERATIONS}
    assert by_name["call_echo"] is answers.Originated and by_name["hangup_mainexten"] is answers.HungUpAll
