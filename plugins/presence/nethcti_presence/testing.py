"""Test helpers: a conf.d with the demo PBX's users (alice 201 + 91201, bob 202, carol 203, dave 204) and
everything the presence plugin needs (ami, users, database, auth, astproxy, presence)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nethcti import hookimpl
from nethcti.testing import ApiClient

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}

# alice: DND and forwards, voicemail 201, a cellphone the demo PBX dials through trunk1;
# bob: DND only; carol: neither; dave: DND and forwards, but no voicemail nor cellphone
USERS_TOML = """
[users]
enabled = true

[users.profiles.full]
name = "Full"
permissions = ["settings.dnd", "settings.call_forward", "presence_panel"]

[users.profiles.dnd]
name = "DND only"
permissions = ["settings.dnd", "settings.privacy"]

[users.profiles.basic]
name = "Basic"
permissions = ["settings.privacy"]

[users.accounts.alice]
name = "Alice Rossi"
profile = "full"
mainextension = "201"
extensions = ["201", { id = "91201", type = "webrtc", user = "91201", password = "sip-secret" }]
voicemail = "201"
cellphone = "0612345678"
jabber = "alice@chat.example"

[users.accounts.bob]
name = "Bob Bianchi"
profile = "dnd"
mainextension = "202"
voicemail = "202"

[users.accounts.carol]
name = "Carol Verdi"
profile = "basic"
mainextension = "203"

[users.accounts.dave]
name = "Dave Neri"
profile = "full"
mainextension = "204"
"""

PLUGINS_TOML = """
[database]
enabled = true

[auth]
enabled = true

[astproxy]
enabled = true
queue_stats_interval = 0

[presence]
enabled = true
"""


def presence_conf(tmp_path: Path, ami_port: int, username: str = "nethcti", secret: str = "secret", *,
                  users: str = USERS_TOML, extra: str = "", **ami_options) -> Path:
    """conf.d for the presence plugin on AMI ``ami_port``; ``users``: the [users] section; ``extra``: a later
    drop-in (its keys win). Passwords are ``<name>-pw``."""
    from nethcti_ami.testing import ami_conf
    from nethcti_auth.passwords import PasswordFile

    conf_dir = ami_conf(tmp_path, ami_port, username, secret, **ami_options)
    (conf_dir / "60-app.toml").write_text(users + PLUGINS_TOML)
    if extra:
        (conf_dir / "70-extra.toml").write_text(extra)
    passwords = PasswordFile(tmp_path / "state" / "passwords")
    for user, password in PASSWORDS.items():
        passwords.set(user, password)
    return conf_dir


class PresenceProbe:
    """A throwaway plugin recording the presence hooks, in order."""

    def __init__(self):
        self.calls: list[tuple] = []

    @hookimpl
    async def user_presence_changed(self, app, username, kind, status, to):
        self.calls.append((username, kind, status, to))

    @hookimpl
    async def user_main_presence_changed(self, app, username, status, to):
        self.calls.append((username, "mainPresence", status, to))

    def of(self, username: str, kind: str | None = None) -> list[tuple]:
        return [call for call in self.calls if call[0] == username and (kind is None or call[1] == kind)]

    def statuses(self, username: str, kind: str) -> list[str]:
        return [call[2] for call in self.of(username, kind)]


class AstDB:
    """The fake AMI's AstDB: DBPut / DBDel as Asterisk answers them; every Command succeeds."""

    def __init__(self, fake: Any):
        self.values: dict[str, str] = {}
        fake.answer("DBPut", self.put)
        fake.answer("DBDel", self.delete)
        fake.answer("Command", lambda fields: [{"Response": "Success", "Message": "Command output follows",
                                                "Output": ""}])

    def put(self, fields):
        self.values[f"{fields['Family']}/{fields['Key']}"] = fields["Val"]
        return [{"Response": "Success", "Message": "Updated database successfully"}]

    def delete(self, fields):
        if self.values.pop(f"{fields['Family']}/{fields['Key']}", None) is None:
            return [{"Response": "Error", "Message": "Database entry could not be deleted"}]
        return [{"Response": "Success", "Message": "Key deleted successfully"}]


class Api(ApiClient):
    """HTTP calls to /webrest/user as one of the test users; every call checks the status code."""

    def __init__(self, app, probe: PresenceProbe, fake: Any = None):
        super().__init__(app, "/webrest/user/", PASSWORDS)
        self.fake, self.probe = fake, probe
        self.astdb = AstDB(fake) if fake is not None else None

    async def call(self, *args, **kwargs):
        """The request, then what it notified: the probe hears presence changes on its own queue."""
        answer = await super().call(*args, **kwargs)
        await self.app.hooks_idle()
        return answer

    def sent(self, *names: str) -> list[dict]:
        """The actions the app sent (except the model's loading), as (Action, Family/Key or Command, Val)."""
        wanted = {name.lower() for name in names}
        return [fields for fields in self.fake.received if fields.get("Action", "").lower() in wanted]
