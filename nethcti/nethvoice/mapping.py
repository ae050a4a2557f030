"""What each setting of the original becomes in conf.d, and what cannot be carried over and why (no I/O here).

Files nethcti's plugins read themselves (users.json, profiles.json, asterisk.json, ast_objects.json …) are pointed
at, not converted: NethVoice keeps rewriting them and ``nethcti reload`` re-reads them. Settings only the
original read are converted; database passwords become secrets, written to files apart from the drop-ins.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from typing import Any

from nethcti.nethvoice.databases import map_databases
from nethcti.nethvoice.plan import Document, Plan, Unmappable, port_number, seconds
from nethcti.nethvoice.source import Source

# the drop-in of each section: the name of the packaged sample it stands in for
DROP_INS = {
    "server": "00-server.toml", "logging": "10-logging.toml", "static": "15-static.toml",
    "database": "20-database.toml", "users": "25-users.toml", "auth": "30-auth.toml", "api": "35-api.toml",
    "ami": "40-ami.toml", "astproxy": "50-astproxy.toml", "websocket": "50-websocket.toml",
    "queuestats": "55-queuestats.toml", "presence": "60-presence.toml", "history": "70-history.toml",
    "phonebook": "70-phonebook.toml", "profiling": "70-profiling.toml", "voicemail": "70-voicemail.toml",
    "streaming": "71-streaming.toml", "videoconf": "72-videoconf.toml", "custcard": "73-custcard.toml",
    "offhour": "74-offhour.toml", "dbconn": "75-dbconn.toml", "provisioning": "76-provisioning.toml",
}
# what the original served, each a plugin here; a section missing its database is not written (see DATABASES)
PLUGINS = [name for name in DROP_INS if name != "server"]


LOG_LEVELS = {"error": "error", "warn": "warning", "info": "info", "verbose": "debug", "debug": "debug",
              "silly": "trace"}  # winston's -> loguru's
SERVED_PREFIXES = {"/user", "/phonebook", "/astproxy", "/historycall", "/histcallswitch", "/histcallsgroups",
                   "/static", "/voicemail", "/dbconn", "/custcard", "/streaming", "/offhour", "/profiling",
                   "/videoconf", "/freepbx", "/authentication"}
NOT_BUILT_NOTIFIER = "the desktop notifier channel (nethifier, TCP/TLS) is not built in nethcti"


def build_plan(source: Source, installed: Collection[str]) -> Plan:
    """The conf.d equivalent of ``source``; sections of plugins that are not ``installed`` are left out."""
    plan = Plan(source)
    for name in PLUGINS:
        if name not in installed:
            plan.unwritten[name] = f"plugin {name} is not installed (nethcti-{name})"
    map_databases(plan)
    for name in PLUGINS:
        plan.enable(name)
    _nethcti_json(plan)
    _services_json(plan)
    _authentication_json(plan)
    _asterisk_json(plan)
    _users_and_profiles(plan)
    _pointed_files(plan)
    _smaller_files(plan)
    _not_carried_files(plan)
    _server_side_notes(plan)
    for name in sorted(plan.unwritten):
        plan.sections.pop(name, None)
        plan.skip(f"[{name}]", f"not written: {plan.unwritten[name]}")
    return plan


# -- the JSON files


def _nethcti_json(plan: Plan) -> None:
    doc = Document(plan, "nethcti.json")
    if not plan.source.has(doc.name):
        plan.skip(doc.name, "not found: the log file, host names and privacy mask keep nethcti's defaults")
        return
    logfile = doc.get("logfile")
    if isinstance(logfile, str) and logfile.startswith("/"):
        plan.set("logging", "file", logfile, doc.origin("logfile"))
    elif logfile is not None:
        plan.skip(doc.origin("logfile"), f"{logfile!r} is not an absolute path")
    level = doc.get("loglevel")
    if level in LOG_LEVELS:
        plan.set("logging", "level", LOG_LEVELS[level], doc.origin("loglevel"))
    elif level is not None:
        plan.skip(doc.origin("loglevel"), f"{level!r} is not a level (error, warn, info, verbose, debug, silly)")
    if "hostname" in doc or "publichost" in doc:
        doc.read_by_plugin("hostname", "publichost")
        plan.point("profiling", "nethcti_json", doc.name, "nethcti.json hostname, publichost")
    privacy = doc.get("privacy_numbers")
    if isinstance(privacy, str) and privacy:
        plan.set("users", "privacy_numbers", privacy, doc.origin("privacy_numbers"))
    doc.convert("proxy_port", "presence", "proxy_port", port_number)
    doc.done()


def _services_json(plan: Plan) -> None:
    doc = Document(plan, "services.json")
    if not plan.source.has(doc.name):
        plan.skip(doc.name, "not found: nethcti listens on its default port 8179")
        return
    proxy = doc.get("http_proxy") or {}
    if isinstance(proxy, dict) and "http_port" in proxy:
        try:
            plan.set("server", "port", port_number(proxy["http_port"]), "services.json http_proxy.http_port")
        except Unmappable as exc:
            plan.skip("services.json http_proxy.http_port", str(exc))
    router = proxy.get("router", {}) if isinstance(proxy, dict) else {}
    for prefix, target in (router.items() if isinstance(router, dict) else ()):
        if prefix not in SERVED_PREFIXES:
            plan.skip(f"services.json http_proxy.router {prefix}",
                      f"a route to {target} that nethcti does not serve: not carried over")
    for key in (proxy if isinstance(proxy, dict) else {}):
        if key not in ("http_port", "router"):
            plan.skip(f"services.json http_proxy.{key}", "unknown to the importer: not carried over")
    if doc.get("websocket") is not None:
        plan.skip("services.json websocket.http_port", "socket.io is served on [server] port, with the REST API: "
                                                        "point the web server's /socket.io there (docs/nethvoice.md)")
    for key in ("tcp", "tls"):
        if doc.get(key) is not None:
            plan.skip(f"services.json {key}", NOT_BUILT_NOTIFIER)
    rest = doc.get("rest")
    if isinstance(rest, dict):
        plan.skip("services.json rest", "the original's internal port per module: not needed, nethcti serves "
                                        "every route on [server] port")
        card = rest.get("customer_card")
        if isinstance(card, dict) and card.get("templates_customercards"):
            plan.skip("services.json rest.customer_card.templates_customercards",
                      "EJS templates: port them to Jinja2 in [custcard] templates_dir (docs/modules.md#custcard)")
        static = rest.get("static")
        if isinstance(static, dict) and static.get("customWebroot"):
            plan.skip("services.json rest.static.customWebroot",
                      "the original's own static files (the notifier's popups): nethcti's /static serves only "
                      "one-shot downloads")
    doc.done()


def _authentication_json(plan: Plan) -> None:
    doc = Document(plan, "authentication.json")
    if not plan.source.has(doc.name):
        plan.skip(doc.name, "not found: [auth] keeps its defaults (passwords file, authentication on)")
        return
    enabled = doc.get("enabled")
    if isinstance(enabled, bool):
        plan.set("auth", "authentication", enabled, doc.origin("enabled"))
    else:
        plan.skip(doc.origin("enabled"), "not true or false: authentication stays on (the original's default)")
    kind = doc.get("type")
    if kind == "pam":
        plan.set("auth", "backend", "pam", doc.origin("type"))
        plan.set("auth", "pam_service", "system-auth", doc.origin("type"),
                 "[auth] pam_service = \"system-auth\" (the PAM service the original's script used)")
    elif kind is not None:
        plan.skip(doc.origin("type"), f"{kind!r}: the original knew only \"pam\"; [auth] backend stays \"file\"")
    if doc.get("file") is not None:
        plan.skip(doc.origin("file"), "not needed: the users come from [users] users_file")
    doc.convert("expiration_timeout", "auth", "expiration_timeout", seconds)
    unauthe = doc.get("unauthe_call")
    if isinstance(unauthe, dict):
        status = unauthe.get("status")
        if status in ("enabled", "disabled"):
            plan.set("astproxy", "unauthe_call", status == "enabled", "authentication.json unauthe_call.status")
        elif status is not None:
            plan.skip("authentication.json unauthe_call.status", f"{status!r} is not enabled or disabled")
        allowed = unauthe.get("allowed_ip")
        if isinstance(allowed, str) and allowed.strip():
            networks = []
            for item in allowed.split():
                try:
                    networks.append(str(ipaddress.ip_network(item, strict=False)))
                except ValueError:
                    plan.skip(f"authentication.json unauthe_call.allowed_ip {item}", "not an address or network")
            if networks:
                plan.set("astproxy", "unauthe_call_allowed", networks, "authentication.json unauthe_call.allowed_ip")
        for key in unauthe:
            if key not in ("status", "allowed_ip"):
                plan.skip(f"authentication.json unauthe_call.{key}", "unknown to the importer: not carried over")
    doc.done()


def _asterisk_json(plan: Plan) -> None:
    doc = Document(plan, "asterisk.json")
    if not plan.source.has(doc.name):
        plan.skip(doc.name, "not found: write [ami] username and secret_file by hand (conf.d/40-ami.toml)")
        return
    user, password = doc.get("user"), doc.get("pass")
    doc.read_by_plugin("host", "port", "prefix")
    if isinstance(user, str) and user and isinstance(password, str) and password:
        plan.point("ami", "asterisk_json", doc.name, "asterisk.json user, pass, host, port")
    else:
        plan.skip("asterisk.json user, pass", "missing or empty: write [ami] username and secret_file by hand")
    plan.point("astproxy", "asterisk_json", doc.name, "asterisk.json prefix")
    c2c = doc.get("auto_c2c")
    if c2c in ("enabled", "disabled", "cloud"):
        plan.set("astproxy", "click_to_call", c2c, doc.origin("auto_c2c"))
    elif c2c is not None:
        plan.skip(doc.origin("auto_c2c"), f"{c2c!r} is not enabled, disabled or cloud")
    trunks = doc.get("trunks_events")
    if trunks in ("enabled", "disabled"):
        plan.set("astproxy", "trunk_conversations", trunks == "enabled", doc.origin("trunks_events"))
    elif trunks is not None:
        plan.skip(doc.origin("trunks_events"), f"{trunks!r} is not enabled or disabled")
    alarms = doc.get("qm_alarms_notifications")
    if isinstance(alarms, bool):
        plan.set("queuestats", "alarms", alarms, doc.origin("qm_alarms_notifications"))
    elif alarms is not None:
        plan.skip(doc.origin("qm_alarms_notifications"), f"{alarms!r} is not true or false")
    doc.done()


def _users_and_profiles(plan: Plan) -> None:
    source = plan.source
    profiles = source.documents.get("profiles.json", {})
    if source.has("profiles.json"):
        bad = [pid for pid, profile in profiles.items() if not _is_profile(profile)]
        for pid in bad:
            plan.skip(f"profiles.json {pid}", "not a profile (an object whose macro_permissions each have a "
                                              "permissions list): [users] will refuse the file")
        plan.point("users", "profiles_file", "profiles.json")
        plan.notes[-1].text += f" ({len(profiles)} profiles)"
    else:
        plan.skip("profiles.json", "not found: users of users.json cannot log in without their profiles")
    if not source.has("users.json"):
        plan.skip("users.json", "not found: no users (write [users.accounts] by hand, docs/users.md)")
        return
    users = source.documents["users.json"]
    plan.point("users", "users_file", "users.json")
    plan.notes[-1].text += f" ({len(users)} users: {', '.join(sorted(users)[:10])}{' …' if len(users) > 10 else ''})"
    for name, user in users.items():
        if not isinstance(user, dict):
            plan.skip(f"users.json {name}", "not an object: [users] will refuse the file")
        elif str(user.get("profile_id")) not in profiles:
            plan.skip(f"users.json {name} profile_id",
                      f"{user.get('profile_id')!r} is not in profiles.json: the user exists but cannot log in "
                      "(as in the original)")


def _is_profile(profile: Any) -> bool:
    if not isinstance(profile, dict) or not isinstance(profile.get("macro_permissions", {}), dict):
        return False
    return all(isinstance(macro, dict) and isinstance(macro.get("permissions"), list)
               for macro in profile.get("macro_permissions", {}).values())


POINTED = [  # file, section, key, the top-level keys the plugin reads (None: any, one entry per key)
    ("ast_objects.json", "astproxy", "ast_objects_file", ("trunks", "queues", "feature_codes", "transfer_context")),
    ("operator.json", "astproxy", "operator_file", ("groups",)),
    ("phone_urls.json", "astproxy", "phone_urls_file", None),
    ("streaming.json", "streaming", "streaming_json", None),
    ("recallonbusy.json", "presence", "recallonbusy_file", None),
    ("video_conf.json", "videoconf", "video_conf_json", ("jitsi",)),
]


def _pointed_files(plan: Plan) -> None:
    for name, section, key, known in POINTED:
        if not plan.source.has(name):
            continue
        document = plan.source.documents[name]
        plan.point(section, key, name)
        if known is None:
            plan.notes[-1].text += f" (entries: {len(document)})"
            continue
        for unknown in (k for k in document if k not in known):
            plan.skip(f"{name} {unknown}", f"not read by [{section}]: not carried over")


def _smaller_files(plan: Plan) -> None:
    chat = Document(plan, "chat.json")
    url = chat.get("url")
    if isinstance(url, str) and url:
        plan.set("presence", "chat_url", url, chat.origin("url"))
    if chat.get("domain") is not None:
        plan.skip(chat.origin("domain"), "not needed: the users' jabber addresses are in users.json")
    chat.done()
    mailer = Document(plan, "mailer.json")
    address = mailer.get("address")
    if isinstance(address, str) and address:
        plan.set("videoconf", "smtp_host", address, mailer.origin("address"))
    mailer.convert("port", "videoconf", "smtp_port", port_number)
    sender = mailer.get("sender")
    if isinstance(sender, str) and "@" in sender:
        plan.set("videoconf", "sender", sender, mailer.origin("sender"))
    mailer.done()


POINTED_NAMES = {"nethcti.json", "asterisk.json", "users.json", "profiles.json", *(entry[0] for entry in POINTED)}
NOT_CARRIED_FILES = {
    "win_popup.json": NOT_BUILT_NOTIFIER + " (its popups)",
    "exec_script.json": "running scripts on each CDR or incoming call (exec_script) is not built in nethcti",
}
KNOWN_FILES = {"nethcti.json", "services.json", "authentication.json", "asterisk.json", "users.json",
               "profiles.json", "chat.json", "mailer.json", *(entry[0] for entry in POINTED), *NOT_CARRIED_FILES}


def _not_carried_files(plan: Plan) -> None:
    for name, document in plan.source.documents.items():
        if name in NOT_CARRIED_FILES and document:
            plan.skip(name, NOT_CARRIED_FILES[name])
        elif name not in KNOWN_FILES:
            plan.skip(name, "a file the importer does not know: not read")


def _server_side_notes(plan: Plan) -> None:
    """What the administrator finishes by hand, said once: whom to run as, what the original read elsewhere."""
    read = [name for name in plan.source.private if plan.source.has(name) and name in POINTED_NAMES]
    for owner in sorted({plan.source.private[name] for name in read}):
        files = ", ".join(name for name in read if plan.source.private[name] == owner)
        plan.skip(files, f"readable by {owner} only, and read by nethcti while it runs: run nethcti as {owner} "
                         f"(and import with --owner {owner})")
    if "provisioning" not in plan.unwritten:
        plan.skip("/var/www/html/freepbx/wizard/scripts/custom.js SECRET_KEY",
                  "the original read FreePBX's key there: copy it to a file and set [provisioning] admin_secret_file")
    if "dbconn" not in plan.unwritten:
        plan.skip("[dbconn] admins", "nobody may test connections until users are listed there (the original: "
                                     "any logged-in user)")
