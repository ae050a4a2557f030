"""The shapes of the history answers, for /openapi.json; tests check live answers against them (docs/history.md)."""

from __future__ import annotations

from marshmallow import fields

from nethcti.apidoc import Answer

Str = fields.String


class HistoryRowSchema(Answer):
    """A call: the group of CDR rows with the same (uniqueid, linkedid, disposition)."""

    time = fields.Integer(required=True, metadata={"description": "the earliest calldate, Unix seconds"})
    channel = Str(required=True)
    dstchannel = Str(required=True)
    uniqueid = Str(required=True)
    linkedid = Str(required=True)
    userfield = Str(required=True, allow_none=True)
    duration = fields.Integer(required=True)
    billsec = fields.Integer(required=True)
    disposition = Str(required=True)
    dcontext = Str(required=True)
    lastapp = Str(required=True)
    recordingfile = Str(allow_none=True, metadata={"description": "only with settings.recording or "
                                                                  "presence_panel.ad_recording"})
    cnum = Str(required=True, allow_none=True)
    cnam = Str(required=True, allow_none=True)
    ccompany = Str(required=True, allow_none=True)
    src = Str(required=True)
    dst = Str(required=True)
    dst_cnam = Str(required=True, allow_none=True)
    dst_ccompany = Str(required=True, allow_none=True)
    clid = Str(required=True)
    direction = Str(metadata={"enum": ["in", "out", ""], "description": "/historycall rows"})
    queue = Str(allow_none=True, metadata={"description": "/historycall rows: the queue the call went through"})
    source = Str(metadata={"description": "/histcallswitch and /histcallsgroups rows: cti"})
    type = Str(metadata={"enum": ["in", "out", "internal"], "description": "/histcallswitch and /histcallsgroups"})


class HistoryPageSchema(Answer):
    count = fields.Integer(required=True, metadata={"description": "calls in the interval"})
    rows = fields.List(fields.Nested(HistoryRowSchema), required=True)
