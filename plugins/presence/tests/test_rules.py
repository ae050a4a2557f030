"""The presence rules of nethcti-server (reference §6), as pure functions of model extensions."""

import pytest
from nethcti_astproxy.objects import Extension
from nethcti_presence import rules
from nethcti_presence.rules import Presence

CELL = "0612345678"


def ext(status="online", dnd=False, cf="", cf_vm="", cfb="", cfb_vm="", cfu="", cfu_vm="", exten="201"):
    e = Extension(exten)
    e.status, e.dnd = status, dnd
    e.cf, e.cf_vm, e.cfb, e.cfb_vm, e.cfu, e.cfu_vm = cf, cf_vm, cfb, cfb_vm, cfu, cfu_vm
    return e


@pytest.mark.parametrize("main, expected", [
    (ext(), Presence("online")),
    (ext(dnd=True), Presence("dnd")),
    (ext(dnd=True, cf="203"), Presence("dnd")),  # DND wins over a forward
    (ext(cf="203"), Presence("callforward", "203")),
    (ext(cf=CELL), Presence("cellphone")),  # a forward to the user's cellphone
    (ext(cf_vm="201"), Presence("voicemail")),
    (None, Presence("online")),  # the main extension is not on the PBX
])
def test_presence_comes_from_the_main_extension(main, expected):
    assert rules.user_presence(main, CELL) == expected


def test_a_forward_to_a_number_that_is_not_the_cellphone_is_callforward():
    assert rules.user_presence(ext(cf=CELL), None) == Presence("callforward", CELL)
    assert rules.user_presence(ext(cf=CELL), "0699999999") == Presence("callforward", CELL)


def test_conditional_presences_come_from_cfb_and_cfu():
    main = ext(cf="203", cfb="204", cfu_vm="201")
    assert rules.on_busy(main, CELL) == Presence("callforward", "204")
    assert rules.on_unavailable(main, CELL) == Presence("voicemail")
    assert rules.on_busy(ext(cfb=CELL), CELL) == Presence("cellphone")
    assert rules.on_busy(ext(dnd=True), CELL) == rules.on_unavailable(ext(), CELL) == Presence("online")


def test_to_json_has_to_only_for_callforward():
    assert Presence("callforward", "203").to_json() == {"status": "callforward", "to": "203"}
    assert Presence("cellphone").to_json() == {"status": "cellphone"}


@pytest.mark.parametrize("statuses, expected", [
    (["online", "offline"], "online"),
    (["offline", "offline"], "offline"),
    ([], "offline"),
    (["online", "ringing"], "ringing"),
    (["ringing", "busy"], "busy"),
    (["onhold", "ringing"], "ringing"),  # ringing outranks a call on hold
    (["onhold", "online"], "busy"),
    (["busy_ringing", "ringing"], "busy"),
    (["dnd", "online"], "online"),  # not a telephony status: ignored
])
def test_main_presence_aggregates_the_phones_when_online(statuses, expected):
    assert rules.main_presence(Presence("online"), statuses) == Presence(expected)


@pytest.mark.parametrize("presence", [Presence("dnd"), Presence("voicemail"), Presence("cellphone"),
                                      Presence("callforward", "203")])
def test_main_presence_is_the_presence_when_not_online(presence):
    assert rules.main_presence(presence, ["busy", "ringing"]) == presence


def test_user_state_of_two_extensions():
    main, webrtc = ext(cf="203"), ext(status="busy", exten="91201")
    state = rules.user_state(main, [main, webrtc], CELL)
    assert state.presence == state.main == Presence("callforward", "203")
    main.cf = ""
    assert rules.user_state(main, [main, webrtc], CELL).main == Presence("busy")


def test_presence_list():
    assert rules.presence_list(True, True, False, True) == ["online", "dnd", "callforward", "voicemail"]
    assert rules.presence_list(True, True, True, True) == ["online", "dnd", "callforward", "cellphone", "voicemail"]
    assert rules.presence_list(False, True, True, False) == ["online", "callforward", "cellphone"]
    assert rules.presence_list(True, False, True, True) == ["online", "dnd"]


@pytest.mark.parametrize("status, writes", [
    ("online", [("DND", None), ("CF", None)]),
    ("dnd", [("CF", None), ("DND", "YES")]),
    ("callforward", [("DND", None), ("CF", "203")]),
    ("cellphone", [("DND", None), ("CF", CELL)]),
    ("voicemail", [("DND", None), ("CF", "vmu201")]),
])
def test_writes_of_a_presence_in_the_original_s_order(status, writes):
    assert rules.presence_writes(status, "203", CELL, "201") == writes


@pytest.mark.parametrize("status, value", [("online", None), ("callforward", "203"), ("cellphone", CELL),
                                           ("voicemail", "vmu201")])
def test_writes_of_a_conditional_presence(status, value):
    assert rules.conditional_writes("presence_onbusy", status, "203", CELL, "201") == [("CFB", value)]
    assert rules.conditional_writes("presence_onunavailable", status, "203", CELL, "201") == [("CFU", value)]


def test_db_value_reads_back_what_the_writes_put():
    assert rules.db_value(ext(dnd=True), "DND") == "YES" and rules.db_value(ext(), "DND") is None
    assert rules.db_value(ext(cf="203"), "CF") == "203"
    assert rules.db_value(ext(cfb_vm="201"), "CFB") == "vmu201"
    assert rules.db_value(ext(cfu=CELL), "CFU") == CELL and rules.db_value(ext(), "CFU") is None
