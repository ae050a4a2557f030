"""Parking events: a call parked in a slot, picked up, timed out or hung up."""

from __future__ import annotations

import time

from nethcti_astproxy.objects import Event, ParkedCall


class ParkingEvents:
    """Mixed into Model: the handlers of parking events."""

    def on_parked_call(self, e: Event) -> None:
        parking = self.parkings.get(e.get("ParkingSpace", ""))
        if parking is None:
            return
        timeout = e.get("ParkingTimeout", "")
        if (ch := self.channels.get(e.get("ParkeeChannel", ""))) is not None:
            ch.parked_in = parking.parking
        parking.parked = ParkedCall(
            parking.parking, e.get("ParkeeChannel", ""), e.get("ParkeeCallerIDNum", ""),
            e.get("ParkeeCallerIDName", ""), e.get("ParkerDialString", "").partition("/")[2],
            time.time() + (int(timeout) if timeout.isdigit() else parking.timeout),
        )
        self.dirty_parkings.add(parking.parking)

    def on_parked_call_end(self, e: Event) -> None:
        parking = self.parkings.get(e.get("ParkingSpace", ""))
        channel = e.get("ParkeeChannel", "")
        if (ch := self.channels.get(channel)) is not None:
            ch.parked_in = ""
        if parking is not None and parking.parked is not None and parking.parked.channel == channel:
            parking.parked = None
            self.dirty_parkings.add(parking.parking)
