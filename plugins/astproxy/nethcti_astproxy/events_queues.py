"""Queue events: waiting callers, members logging in and out, pauses, calls taken, statistics."""

from __future__ import annotations

import time

from nethcti_astproxy.objects import Event, Queue, QueueMember, WaitingCaller


def member_of(interface: str) -> str:
    """``Local/201@from-queue/n`` or ``PJSIP/201`` -> ``201``."""
    rest = interface.partition("/")[2]
    return rest.partition("@")[0].partition("/")[0]


class _NoQueue:
    dynmembers: tuple[str, ...] = ()


_NO_QUEUE = _NoQueue()


class QueueEvents:
    """Mixed into Model: the handlers of queue events."""

    def on_agent_called(self, e: Event) -> None:
        dest = self.channels.get(e.get("DestChannel", ""))
        if dest is not None and (queue := e.get("Queue")):
            dest.queue = queue
            self._affect(dest)

    def on_queue_caller_join(self, e: Event) -> None:
        queue = self.queues.get(e.get("Queue", ""))
        channel = e.get("Channel", "")
        if queue is None or not channel:
            return
        queue.waiting[channel] = WaitingCaller(
            queue.queue, channel, e.get("CallerIDNum", ""), e.get("CallerIDName", ""), e.get("Position", ""),
            time.time(),
        )
        if (ch := self.channels.get(channel)) is not None:
            ch.waiting_in = queue.queue
        self.dirty_queues.add(queue.queue)

    def on_queue_caller_leave(self, e: Event) -> None:
        queue = self.queues.get(e.get("Queue", ""))
        channel = e.get("Channel", "")
        if (ch := self.channels.get(channel)) is not None:
            ch.waiting_in = ""
        if queue is not None and queue.waiting.pop(channel, None) is not None:
            self._renumber(queue)
            self.dirty_queues.add(queue.queue)

    @staticmethod
    def _renumber(queue: Queue) -> None:
        ordered = sorted(queue.waiting.values(), key=lambda c: int(c.position) if c.position.isdigit() else 0)
        for position, caller in enumerate(ordered, 1):
            caller.position = str(position)

    def _member(self, e: Event) -> tuple[Queue | None, str]:
        queue = self.queues.get(e.get("Queue", ""))
        member = member_of(e.get("Interface", "") or e.get("Location", ""))
        if queue is None or member not in self.extensions:
            return None, member
        return queue, member

    def on_queue_member_added(self, e: Event) -> None:
        queue, member = self._member(e)
        if queue is None:
            return
        m = queue.members.get(member)
        if m is None:
            m = queue.members[member] = QueueMember(queue.queue, member, self.extensions[member].name)
        m.type = e.get("Membership", "dynamic") or "dynamic"
        m.logged_in = True
        self.member_counters(m, e)
        paused = e.get("Paused") == "1"
        if paused != m.paused:
            m.set_paused(paused, e.get("PausedReason", ""))
        self.dirty_members.add((queue.queue, member))

    def on_queue_member_removed(self, e: Event) -> None:
        queue, member = self._member(e)
        if queue is None or (m := queue.members.get(member)) is None:
            return
        if m.type != "static" and member not in self.statics.queues.get(queue.queue, _NO_QUEUE).dynmembers:
            del queue.members[member]  # as after a fresh load: logged-out agents show only if listed
            self.dirty_queues.add(queue.queue)
            return
        m.logged_in, m.paused = False, False
        self.dirty_members.add((queue.queue, member))

    def on_queue_member_status(self, e: Event) -> None:
        queue, member = self._member(e)
        if queue is None or (m := queue.members.get(member)) is None:
            return
        self.member_counters(m, e)
        paused = e.get("Paused") == "1"
        if paused != m.paused:
            m.set_paused(paused, e.get("PausedReason", ""))
        self.dirty_members.add((queue.queue, member))

    def on_queue_member_pause(self, e: Event) -> None:
        queue, member = self._member(e)
        if queue is None or (m := queue.members.get(member)) is None:
            return
        paused = e.get("Paused") == "1"
        if paused != m.paused:
            m.set_paused(paused, e.get("PausedReason") or e.get("Reason") or "")
            self.dirty_members.add((queue.queue, member))

    @staticmethod
    def member_counters(m: QueueMember, e: Event) -> None:
        calls, last = e.get("CallsTaken", ""), e.get("LastCall", "")
        if calls.isdigit():
            m.calls_taken = int(calls)
        if last.isdigit():
            m.last_call = int(last)

    def apply_queue_params(self, rows: list[Event]) -> None:
        """QueueParams rows of a QueueStatus poll: the statistics Asterisk keeps per queue."""
        for row in rows:
            if row.get("Event") != "QueueParams" or (queue := self.queues.get(row.get("Queue", ""))) is None:
                continue
            stats = (row.get("Holdtime", "0"), row.get("TalkTime", "0"), row.get("Completed", "0"),
                     row.get("Abandoned", "0"), row.get("ServiceLevel", "0"), row.get("ServicelevelPerf", "0.0"))
            if stats != (queue.hold_time, queue.talk_time, queue.completed, queue.abandoned, queue.service_level,
                         queue.service_level_perf):
                (queue.hold_time, queue.talk_time, queue.completed, queue.abandoned, queue.service_level,
                 queue.service_level_perf) = stats
                self.dirty_queues.add(queue.queue)
