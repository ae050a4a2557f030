"""Trunks, queues, feature codes, operator groups and prefix: NethVoice's JSON files and/or conf.d."""

import json

import pytest
from nethcti_astproxy.schemas import AstproxySchema
from nethcti_astproxy.statics import StaticsError, load_statics

AST_OBJECTS = {
    "trunks": {"2001": {"tech": "pjsip", "trunkid": "1", "name": "Provider", "usercontext": "ctx", "maxchans": "6",
                        "host": "sip.example.com", "username": "acme"}},
    "queues": {"401": {"id": "401", "name": "Support", "dynmembers": ["203"], "sla": "60"},
               "ctiopqueue3": {"id": "ctiopqueue3", "name": "Operators", "dynmembers": []}},
    "feature_codes": {"pickup": "*8", "confbridge_conf": "*88", "dnd_toggle": "*76"},
    "transfer_context": "from-internal-xfer",
}


def config(**values):
    return AstproxySchema().load(values)


def test_defaults():
    statics = load_statics(config())
    assert statics.prefix == "" and statics.trunks == {} and statics.queues == {}
    assert statics.confbridge_code == "" and statics.trunk_conversations


def test_nethvoice_files(tmp_path):
    (tmp_path / "ast_objects.json").write_text(json.dumps(AST_OBJECTS))
    (tmp_path / "operator.json").write_text(json.dumps({"groups": {"Sales": ["alice", "bob"]}}))
    (tmp_path / "asterisk.json").write_text(json.dumps({"user": "u", "pass": "p", "prefix": "0"}))
    statics = load_statics(config(ast_objects_file=str(tmp_path / "ast_objects.json"),
                                  operator_file=str(tmp_path / "operator.json"),
                                  asterisk_json=str(tmp_path / "asterisk.json")))
    assert statics.trunks["2001"].name == "Provider" and statics.trunks["2001"].maxchans == 6
    assert statics.queues["401"].dynmembers == ("203",) and statics.queues["401"].sla == "60"
    assert statics.confbridge_code == "*88" and statics.transfer_context == "from-internal-xfer"
    assert statics.operator_groups == {"Sales": ["alice", "bob"]} and statics.prefix == "0"


def test_conf_d_wins_over_the_files(tmp_path):
    (tmp_path / "ast_objects.json").write_text(json.dumps(AST_OBJECTS))
    statics = load_statics(config(
        ast_objects_file=str(tmp_path / "ast_objects.json"), prefix="9",
        queues={401: {"name": "Help desk"}}, trunks={"trunk1": {"maxchans": 2}},
        feature_codes={"confbridge_conf": "8"}, operator_groups={"Night": ["carol"]},
    ))
    assert statics.queues["401"].name == "Help desk" and "ctiopqueue3" in statics.queues
    assert statics.trunks["trunk1"].name == "trunk1" and statics.trunks["trunk1"].maxchans == 2
    assert statics.confbridge_code == "8" and statics.prefix == "9" and statics.operator_groups == {"Night": ["carol"]}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_broken_file_names_itself(tmp_path, content):
    (tmp_path / "ast_objects.json").write_text(content)
    with pytest.raises(StaticsError, match=r"ast_objects\.json"):
        load_statics(config(ast_objects_file=str(tmp_path / "ast_objects.json")))


def test_a_missing_file_names_itself(tmp_path):
    with pytest.raises(StaticsError, match="operator_file"):
        load_statics(config(operator_file=str(tmp_path / "nope.json")))
