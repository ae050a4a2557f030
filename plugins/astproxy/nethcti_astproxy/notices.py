"""Call moments the model reports besides state changes: ringing, connected, hung up, DND/forward set on a phone."""

from __future__ import annotations

from dataclasses import dataclass

# Q.850 cause codes -> the names nethcti-server puts in extenHangup (Asterisk's AST_CAUSE_* in lower case)
CAUSES = {
    0: "not_defined", 1: "unallocated", 2: "no_route_transit_net", 3: "no_route_destination",
    5: "misdialled_trunk_prefix", 6: "channel_unacceptable", 7: "call_awarded_delivered", 8: "pre_empted",
    14: "number_ported_not_here", 16: "normal_clearing", 17: "user_busy", 18: "no_user_response",
    19: "no_answer", 20: "subscriber_absent", 21: "call_rejected", 22: "number_changed",
    23: "redirected_to_new_destination", 26: "answered_elsewhere", 27: "destination_out_of_order",
    28: "invalid_number_format", 29: "facility_rejected", 30: "response_to_status_enquiry",
    31: "normal_unspecified", 34: "normal_circuit_congestion", 38: "network_out_of_order",
    41: "normal_temporary_failure", 42: "switch_congestion", 43: "access_info_discarded",
    44: "requested_chan_unavail", 50: "facility_not_subscribed", 52: "outgoing_call_barred",
    54: "incoming_call_barred", 57: "bearercapability_notauth", 58: "bearercapability_notavail",
    65: "bearercapability_notimpl", 66: "chan_not_implemented", 69: "facility_not_implemented",
    81: "invalid_call_reference", 88: "incompatible_destination", 95: "invalid_msg_unspecified",
    96: "mandatory_ie_missing", 97: "message_type_nonexist", 98: "wrong_message", 99: "ie_nonexist",
    100: "invalid_ie_contents", 101: "wrong_call_state", 102: "recovery_on_timer_expire",
    103: "mandatory_ie_length_error", 111: "protocol_error", 127: "interworking",
}


def cause_name(code: str) -> str:
    return CAUSES.get(int(code), "not_defined") if code.isdigit() else "not_defined"


@dataclass(frozen=True, slots=True)
class Ringing:
    """An extension's phone starts ringing (DialBegin towards it): nethcti-server's ``extenRinging``."""

    exten: str  # the ringing extension
    caller_num: str
    caller_name: str
    called_num: str
    channel: str  # the ringing channel
    uniqueid: str
    caller_has_conf: bool

    def to_json(self) -> dict:
        return {"numCalled": self.called_num, "callerNum": self.caller_num, "callerName": self.caller_name,
                "callerHasConf": self.caller_has_conf}


@dataclass(frozen=True, slots=True)
class Connected:
    """An extension's channel enters a two-party bridge: ``extenConnected`` / ``extenConvConnected``."""

    num1: str  # the extension
    num2: str  # the other party (its connected line number)
    direction: str  # "out" when the channel started the call (uniqueid == linkedid)
    uniqueid: str
    linkedid: str
    through_trunk: bool

    def to_json(self) -> dict:
        return {"num1": self.num1, "num2": self.num2, "direction": self.direction, "uniqueid": self.uniqueid,
                "linkedid": self.linkedid, "throughTrunk": self.through_trunk}


@dataclass(frozen=True, slots=True)
class Hangup:
    """A channel of an extension hangs up: ``extenHangup``."""

    exten: str
    cause: str  # CAUSES name
    caller_num: str
    called_num: str
    channel: str

    def to_json(self) -> dict:
        return {"cause": self.cause, "callerNum": self.caller_num, "channelExten": self.exten,
                "calledNum": self.called_num}


@dataclass(frozen=True, slots=True)
class SettingChanged:
    """DND or a call forward was switched from a phone (dialplan writing AstDB)."""

    exten: str
    setting: str  # "dnd", "cf", "cfb", "cfu", "cfVm", "cfbVm", "cfuVm"
    enabled: bool
    value: str  # forward target or voicemail box; "" for dnd or when disabled
