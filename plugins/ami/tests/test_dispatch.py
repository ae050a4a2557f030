"""A recorded AMI stream replayed (no Asterisk) through the real link and dispatch path to throwaway plugins."""

import asyncio

import pytest
from nethcti_ami.testing import AMIProbe as Probe
from nethcti_ami.testing import FakeAMI, ami_conf, event_names, wait_until

from nethcti import hookimpl
from nethcti.errors import StartupError
from nethcti.testing import running_app


async def test_transcript_replays_in_ami_order(tmp_path, transcript):
    everything, some = Probe(), Probe(patterns=("Hangup", "bridge*", "NEWCHANNEL"))
    async with FakeAMI(events=transcript) as pbx, running_app(
        ami_conf(tmp_path, pbx.port), extra_plugins=[("everything", everything), ("some", some)]
    ) as app:
        expected = ["FullyBooted", *event_names(transcript)]
        await wait_until(lambda: len(everything.events) == len(expected), "every replayed event delivered")
        assert everything.names() == expected
        # exact names and globs ignore case; each plugin sees its events in AMI order
        assert some.names() == [n for n in expected if n in ("Hangup", "Newchannel") or n.startswith("Bridge")]
        assert some.names().count("Hangup") == 2
        hangup = some.events[-1] if some.names()[-1] == "Hangup" else None
        assert hangup is not None and hangup["channel"] == hangup["Channel"] and hangup.Cause  # case-insensitive
        assert hangup.no_such_header == ""
        status = app.extensions["ami"].status()
        assert status["events_total"] == len(expected)
        assert status["events_per_second"] > 0


async def test_a_slow_or_failing_plugin_stalls_no_one(tmp_path, transcript, logs):
    release = asyncio.Event()

    class Slow(Probe):
        async def on_event(self, app, event):
            await release.wait()
            self.events.append(event)

    class Broken(Probe):
        async def on_event(self, app, event):
            self.events.append(event)
            if event["Event"] == "Newchannel":
                raise RuntimeError("handler bug")

    fast, slow, broken = Probe(), Slow(), Broken()
    expected = ["FullyBooted", *event_names(transcript)]
    async with FakeAMI(events=transcript) as pbx, running_app(
        ami_conf(tmp_path, pbx.port), extra_plugins=[("slow", slow), ("broken", broken), ("fast", fast)]
    ):
        await wait_until(lambda: len(fast.events) == len(expected), "the fast plugin got everything")
        await wait_until(lambda: len(broken.events) == len(expected), "the broken plugin kept receiving")
        assert slow.events == []
        failures = [r for r in logs if r["level"].name == "ERROR" and "handler" in r["message"]]
        assert len(failures) == 2  # two Newchannel events
        assert all("plugin broken" in r["message"] and "Newchannel" in r["message"] for r in failures)
        release.set()
        await wait_until(lambda: len(slow.events) == len(expected), "the slow plugin caught up")
        assert slow.names() == expected


async def test_overflow_drops_new_events_for_that_plugin_only_and_tells_it(tmp_path, transcript, logs):
    release = asyncio.Event()

    class Stuck(Probe):
        async def on_event(self, app, event):
            await release.wait()
            self.events.append(event)

    stuck, fine = Stuck(), Probe()
    async with FakeAMI() as pbx, running_app(
        ami_conf(tmp_path, pbx.port, queue_size=10), extra_plugins=[("stuck", stuck), ("fine", fine)]
    ) as app:
        await wait_until(lambda: fine.names() == ["FullyBooted"], "link up")
        for start in range(0, len(transcript), 5):  # in small batches the other plugin keeps up with
            await pbx.push(*transcript[start : start + 5])
            await wait_until(lambda s=start: len(fine.events) == 1 + min(s + 5, len(transcript)), "batch delivered")
        expected = ["FullyBooted", *event_names(transcript)]
        assert fine.names() == expected
        subscribers = app.extensions["ami"].status()["subscribers"]
        # one event is being handled, ten wait in the queue, the rest were dropped
        assert subscribers["stuck"] == {"queued": 10, "dropped": len(expected) - 11}
        assert subscribers["fine"] == {"queued": 0, "dropped": 0}
        warnings = [r for r in logs if r["level"].name == "WARNING" and "queue full" in r["message"]]
        assert len(warnings) == 1 and "plugin stuck" in warnings[0]["message"]
        release.set()
        await wait_until(lambda: stuck.dropped_reports, "the stuck plugin is told what it lost")
        assert stuck.dropped_reports == [len(expected) - 11]
        assert stuck.names() == expected[:11]
        assert fine.dropped_reports == []


async def test_a_sync_handler_stops_startup_with_the_plugin_name(tmp_path):
    class Wrong:
        @hookimpl
        def register_ami_handlers(self):
            return {"Hangup": lambda app, event: None}

    with pytest.raises(StartupError, match="plugin 'wrong': AMI handler for 'Hangup' must be an async function"):
        async with running_app(ami_conf(tmp_path, 1), extra_plugins=[("wrong", Wrong())]):
            pass
