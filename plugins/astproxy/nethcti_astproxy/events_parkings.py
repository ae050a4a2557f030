"""Parking events: a call parked in a slot, picked up, timed out or hung up."""

from __future__ import annotations

import time

from nethcti_astproxy.objects import Event, ParkedCall


def park(channels: dict, parking, fields: Event, now: float) -> None:
    """Put the call that ``fields`` (a ParkedCall event or ParkedCalls row) describes into ``parking``."""
    timeout = fields.get("ParkingTimeout", "")
    if (ch := channels.get(fields.get("ParkeeChannel", ""))) is not None:
        ch.parked_in = parking.parking
    parking.parked = ParkedCall(
        parking.parking, fields.get("ParkeeChannel", ""), fields.get("ParkeeCallerIDNum", ""),
        fields.get("ParkeeCallerIDName", ""), fields.get("ParkerDialString", "").partition("/")[2],
        now + (int(timeout) if timeout.isdigit() else parking.timeout),
    )


class ParkingEvents:
    """Mixed into Model: the handlers of parking events."""

    def on_parked_call(self, e: Event) -> None:
        parking = self.parkings.get(e.get("ParkingSpace", ""))
        if parking is None:
            return
        park(self.channels, parking, e, time.time())
        self.dirty_parkings.add(parking.parking)

    def on_parked_call_end(self, e: Event) -> None:
        parking = self.parkings.get(e.get("ParkingSpace", ""))
        channel = e.get("ParkeeChannel", "")
        if (ch := self.channels.get(channel)) is not None:
            ch.parked_in = ""
        if parking is not None and parking.parked is not None and parking.parked.channel == channel:
            parking.parked = None
            self.dirty_parkings.add(parking.parking)
