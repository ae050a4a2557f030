"""Sample users.json / profiles.json shaped like NethVoice's, and a conf.d enabling the users plugin."""

import json
from pathlib import Path

import pytest

from nethcti.testing import base_conf

PROFILES = {
    "3": {
        "id": "3",
        "name": "Advanced",
        "macro_permissions": {
            "settings": {"value": True, "permissions": [
                {"id": "2", "name": "dnd", "value": True},
                {"id": "3", "name": "call_forward", "value": False},
                {"id": "8", "name": "privacy", "value": False},
            ]},
            "presence_panel": {"value": False, "permissions": [{"id": "15", "name": "spy", "value": True}]},
            "customer_card": {"value": True, "permissions": [{"id": "30", "name": "cc_identity", "value": True}]},
            "phonebook": {"value": True, "permissions": []},
        },
        "outbound_routes_permissions": [{"route_id": "1", "name": "national", "permission": True}],
    },
    "1": {
        "id": "1",
        "name": "Base",
        "macro_permissions": {
            "settings": {"value": True, "permissions": [{"id": "8", "name": "privacy", "value": True}]},
        },
    },
}

USERS = {
    "alice": {
        "name": "Alice Rossi",
        "profile_id": "3",
        "endpoints": {
            "mainextension": {"201": {}},
            "extension": {
                "201": {"type": "physical", "web_user": "admin", "web_password": "phonepw", "mac": "00:11:22:33:44:55"},
                "92201": {"type": "webrtc", "user": "92201", "password": "sipsecret"},
                "93201": {"type": "virtual"},
            },
            "voicemail": {"201": {}},
            "email": {"alice@example.com": {}},
            "jabber": {"alice@example.com": {}},
            "cellphone": {"3331234567": {}},
        },
    },
    "Bob": {
        "name": "Bob Bianchi",
        "profile_id": "1",
        "endpoints": {"mainextension": {"202": {}}, "extension": {"202": {"type": "physical"}}},
    },
    "carol": {"name": "Carol Verdi", "endpoints": {"mainextension": {"203": {}}}},
}


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def nethvoice_files(tmp_path):
    """users.json and profiles.json in tmp_path."""
    return write_json(tmp_path / "users.json", USERS), write_json(tmp_path / "profiles.json", PROFILES)


@pytest.fixture
def conf_dir(tmp_path, nethvoice_files):
    users_file, profiles_file = nethvoice_files
    return base_conf(tmp_path, f"""
        [users]
        enabled = true
        users_file = "{users_file}"
        profiles_file = "{profiles_file}"
    """)
