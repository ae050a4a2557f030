"""An extension's ConfBridge room (8<owner> on the demo PBX) driven through the HTTP API."""

import asyncio

import pytest
from nethcti_ami.testing import wait_until
from nethcti_astproxy.ops.live_testing import Switchboard, switchboard

pytestmark = pytest.mark.live


def users(sb: Switchboard, conf_id: str) -> dict | None:
    """The conference's users as the clients see them (``/astproxy/conference/<id>``), or None."""
    conf = sb.astproxy.conference(conf_id)
    return sb.astproxy.to_json(conf)["users"] if conf is not None else None


def muted(sb: Switchboard, conf_id: str, exten: str) -> bool:
    return (users(sb, conf_id) or {}).get(exten, {}).get("muted") is True


async def in_room(pbx, room: str) -> str:
    return await asyncio.to_thread(pbx.cli, f"confbridge list {room}")


def flags(listing: str, channel: str) -> str:
    """The Flags column of ``channel`` in a ``confbridge list <room>`` listing (``m``: muted)."""
    line = next(line for line in listing.splitlines() if line.startswith(channel))
    return line[31:38].strip()


async def test_conference_start_mute_add_hangup_end(tmp_path, demo_pbx_clean):
    pbx = demo_pbx_clean
    async with switchboard(tmp_path, pbx) as sb:
        convid = await sb.call("201", "202")
        alice, bob = convid.split(">")
        answer = await sb.post("start_conf", {"convid": convid, "addEndpointId": "202", "ownerEndpointId": "201"})
        assert answer == {"confId": "201", "room": "8201", "added": "202", "moved": [bob, alice]}
        await wait_until(lambda: set(users(sb, "201") or ()) == {"201", "202"}, "alice and bob in her room")
        assert users(sb, "201")["201"]["owner"] is True and users(sb, "201")["202"]["owner"] is False
        listing = await in_room(pbx, "8201")
        assert alice in listing and bob in listing
        assert sb.conversations("202")[next(iter(sb.conversations("202")))]["inConference"] is True

        answer = await sb.post("mute_userconf", {"confId": "201", "userId": "201-202"})
        assert answer == {"confId": "201", "userId": "201-202", "extenId": "202", "muted": "in"}
        await wait_until(lambda: muted(sb, "201", "202"), "bob muted")
        # the participant unmutes himself (userId as the bare extension works too)
        answer = await sb.post("unmute_userconf", {"confId": "201", "userId": "202"}, user="bob")
        assert answer["unmuted"] == "all"
        await wait_until(lambda: not muted(sb, "201", "202"), "bob unmuted")
        await sb.post("mute_userconf", {"confId": "201", "userId": "201-202", "direction": "all"})
        await wait_until(lambda: muted(sb, "201", "202"), "bob muted both ways")
        await sb.post("unmute_userconf", {"confId": "201", "userId": "201-202", "onlyListen": True})
        assert "m" in flags(await in_room(pbx, "8201"), bob)  # he hears again, but still does not speak
        assert muted(sb, "201", "202")
        await sb.post("unmute_userconf", {"confId": "201", "userId": "201-202"})
        await wait_until(lambda: not muted(sb, "201", "202"), "bob speaks again")

        # alice, in her room, calls carol and adds her: only carol moves, alice's second leg ends
        await sb.ami.originate("PJSIP/201", exten="203", context="from-internal", caller_id="201")
        carol_conv = await sb.wait_talking("203", "201")
        carol = carol_conv["id"].split(">")[1]
        answer = await sb.post("start_conf", {"convid": carol_conv["id"], "addEndpointId": "203",
                                              "ownerEndpointId": "201"})
        assert answer["moved"] == [carol]
        await wait_until(lambda: set(users(sb, "201") or ()) == {"201", "202", "203"}, "carol joins")
        await wait_until(lambda: sb.channels("201") == [alice], "alice's call to carol is over")

        answer = await sb.post("hangup_userconf", {"confId": "201", "extenId": "203"})
        assert answer == {"confId": "201", "extenId": "203", "hungup": carol}
        await wait_until(lambda: set(users(sb, "201") or ()) == {"201", "202"}, "carol left")
        await wait_until(lambda: not sb.channels("203"), "carol's phone is free")

        assert await sb.post("end_conf", {"confId": "201"}) == {"confId": "201", "hungup": ["201", "202"]}
        await wait_until(lambda: sb.astproxy.conference("201") is None, "the conference is over")
        await sb.wait_idle("201", "202")
        assert "8201" not in await asyncio.to_thread(pbx.cli, "confbridge list")


async def test_join_my_conference(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        answer = await sb.post("join_myconf", {"endpointId": "202"}, user="bob")
        assert answer == {"confId": "202", "room": "8202", "calling": "202"}
        await wait_until(lambda: set(users(sb, "202") or ()) == {"202"}, "bob's phone answers, in his room")
        assert users(sb, "202")["202"]["owner"] is True
        await sb.post("end_conf", {"confId": "202"}, user="bob")
        await wait_until(lambda: sb.astproxy.conference("202") is None, "the conference is over")


async def test_conference_refusals(tmp_path, demo_pbx_clean):
    async with switchboard(tmp_path, demo_pbx_clean) as sb:
        convid = await sb.call("201", "202")
        body = {"convid": convid, "addEndpointId": "202", "ownerEndpointId": "201"}
        assert await sb.refused("start_conf", body, 403, "not-your-extension", user="bob") == {
            "ownerEndpointId": "201"}
        await sb.refused("start_conf", {**body, "convid": "PJSIP/201-00000999>"}, 404, "no-such-conversation")
        assert "addEndpointId" in await sb.refused("start_conf", {"convid": convid, "ownerEndpointId": "201"}, 400,
                                                   "invalid-request")
        await sb.refused("end_conf", {"confId": "201"}, 404, "no-such-conference")
        await sb.refused("join_myconf", {"endpointId": "201"}, 403, "not-your-extension", user="bob")

        await sb.post("start_conf", body)
        await wait_until(lambda: set(users(sb, "201") or ()) == {"201", "202"}, "the conference is up")
        await sb.refused("end_conf", {"confId": "201"}, 403, "not-your-extension", user="bob")
        await sb.refused("hangup_userconf", {"confId": "201", "extenId": "201"}, 403, "not-your-extension",
                         user="bob")
        await sb.refused("mute_userconf", {"confId": "201", "userId": "201-202"}, 403, "not-your-extension",
                         user="carol")
        assert await sb.refused("mute_userconf", {"confId": "201", "userId": "201-203"}, 404,
                                "no-such-conference-user") == {"userId": "203"}
        await sb.refused("hangup_userconf", {"confId": "201", "extenId": "204"}, 404, "no-such-conference-user")
        assert "direction" in await sb.refused("mute_userconf", {"confId": "201", "userId": "202",
                                                                 "direction": "sideways"}, 400, "invalid-request")
        assert set(users(sb, "201")) == {"201", "202"} and not muted(sb, "201", "202")


async def test_no_conference_code(tmp_path, demo_pbx_clean):
    extra = '\n[astproxy.feature_codes]\nconfbridge_conf = ""\n'
    async with switchboard(tmp_path, demo_pbx_clean, extra) as sb:
        await sb.refused("join_myconf", {"endpointId": "202"}, 503, "no-conference-code", user="bob")
        assert not sb.channels("202")  # nothing rang
