"""dbstatic.d: every database connection of the original, as a secret URL for the key of the plugin it feeds."""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from nethcti.nethvoice.plan import Note, Plan, Unmappable, port_number
from nethcti.nethvoice.source import Connection

# dbstatic.d connection -> the (section, key) it feeds, in order of preference when several feed one key
DATABASES: dict[str, tuple[str, str]] = {
    "cti_phonebook": ("database", "url"), "user_settings": ("database", "url"), "auth": ("database", "url"),
    "offhour_files": ("offhour", "nethcti_db_url"),
    "phonebook": ("phonebook", "centralized_url"),
    "history_call": ("history", "cdr_url"),
    "queue_log": ("queuestats", "queue_log_url"),
    "voicemail": ("voicemail", "db_url"),
    "offhour": ("offhour", "asterisk_db_url"), "incoming": ("offhour", "asterisk_db_url"),
    "pin": ("astproxy", "pin_url"), "pin_protected_routes": ("astproxy", "pin_url"),
    "rest_users": ("presence", "asterisk_db_url"), "userman_users": ("presence", "asterisk_db_url"),
    "rest_cti_profiles_paramurl": ("presence", "asterisk_db_url"),
}
NOT_CARRIED = {
    "cel": "the original's cel module has no behaviour: nothing reads it",
    "ampusers": "the FreePBX administrator's login (User/Secretkey headers) is not supported (docs/authentication.md)",
    "customer_card": "customer cards are rows of nethcti3.customer_card with EJS templates: port each to "
                     "[custcard.cards] by hand (docs/modules.md#custcard)",
    "user_dbconn": "customer-card connections are rows of nethcti3.user_dbconn: write them as "
                   "[custcard.connections] by hand (docs/modules.md#custcard)",
}
# sections that cannot start without one of their connections
NEEDS_DATABASE = {"history": "cdr_url", "queuestats": "queue_log_url", "offhour": "asterisk_db_url"}


def connection_url(connection: Connection) -> str:
    """The SQLAlchemy async URL of a dbstatic.d connection; ``dbport`` may be a socket path, as on NethVoice."""
    values = connection.values
    dbtype = values.get("dbtype", "mysql")
    if dbtype == "mysql":
        driver = "mysql+asyncmy"
    elif dbtype == "postgres":
        driver = "postgresql+asyncpg"
    else:
        raise Unmappable(f"database type {dbtype!r} is not supported here (mysql or postgres)")
    texts = {}
    for key in ("dbuser", "dbpassword", "dbname"):
        value = values.get(key, "")
        if not isinstance(value, str) or (key != "dbpassword" and not value):
            raise Unmappable(f"{key} must be a non-empty string")
        texts[key] = value
    host = values.get("dbhost") or "localhost"
    if not isinstance(host, str) or not re.fullmatch(r"[A-Za-z0-9.:\[\]_-]{1,253}", host):
        raise Unmappable(f"dbhost {host!r} is not a host name")
    port = str(values.get("dbport") or "")
    query = {}
    if port.startswith("/"):
        if driver != "mysql+asyncmy":
            raise Unmappable("a socket path as dbport works with mysql only")
        query["unix_socket"] = port
        port = ""
    elif port:
        try:
            port = str(port_number(port))
        except Unmappable:
            raise Unmappable(f"dbport {port!r} is neither a port number nor a socket path") from None
    if driver == "mysql+asyncmy":
        query["charset"] = "utf8mb4"
    user, password, name = (quote(texts[key], safe="") for key in ("dbuser", "dbpassword", "dbname"))
    address = f"{host}:{port}" if port else host
    return f"{driver}://{user}:{password}@{address}/{name}" + (f"?{urlencode(query)}" if query else "")


def map_databases(plan: Plan) -> None:
    source = plan.source
    for loser, winner in source.overridden:
        plan.skip(f"{loser.file} {loser.name}", f"replaced by the same key in {winner.file}, as the original does")
    chosen: dict[tuple[str, str], tuple[Connection, str]] = {}
    for name in DATABASES:  # in order of preference
        connection = source.connections.get(name)
        if connection is None:
            continue
        target = DATABASES[name]
        origin = f"{connection.file} {name}"
        try:
            url = connection_url(connection)
        except Unmappable as exc:
            plan.skip(origin, str(exc))
            continue
        if target in chosen:
            first, first_url = chosen[target]
            if url == first_url:
                plan.notes.append(Note(origin, f"[{target[0]}] {target[1]} (the same database as {first.name})", True))
            else:
                plan.skip(origin, f"a different database from {first.name}, which [{target[0]}] {target[1]} uses: "
                                  "nethcti has one connection there")
            continue
        chosen[target] = (connection, url)
        plan.secret(*target, url, origin)
    for name, connection in source.connections.items():
        if name in NOT_CARRIED:
            plan.skip(f"{connection.file} {name}", NOT_CARRIED[name])
        elif name not in DATABASES:
            plan.skip(f"{connection.file} {name}", "a connection the importer does not know: not carried over")
    for section, key in NEEDS_DATABASE.items():
        if section not in plan.unwritten and not plan.has(section, key):
            wanted = [name for name, target in DATABASES.items() if target == (section, key)]
            plan.unwritten[section] = f"no usable dbstatic.d connection {' or '.join(wanted)} for its {key}"
    if "voicemail" not in plan.unwritten:
        if plan.has("voicemail", "db_url"):
            plan.set("voicemail", "storage", "odbc", "dbstatic.d voicemail",
                     "[voicemail] storage = \"odbc\" (messages in the voicemessages table, as NethVoice)")
        else:
            plan.skip("dbstatic.d voicemail",
                      "no voicemail connection: [voicemail] reads the spool (storage = \"file\")")
    if not plan.has("database", "url"):
        plan.skip("dbstatic.d cti_phonebook", "no nethcti3 connection: contacts and user settings go to nethcti's "
                                              "own SQLite database (<state_dir>/nethcti.db)")
