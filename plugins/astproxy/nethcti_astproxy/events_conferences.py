"""ConfBridge events: rooms starting and ending, users joining, leaving, (un)muted."""

from __future__ import annotations

from nethcti_astproxy.objects import Conference, ConferenceUser, Event


class ConferenceEvents:
    """Mixed into Model: the handlers of ConfBridge events."""

    def conference_id(self, room: str) -> str:
        code = self.statics.confbridge_code
        return room[len(code):] if code and room.startswith(code) and len(room) > len(code) else room

    def on_conference_start(self, e: Event) -> None:
        room = e.get("Conference", "")
        if room:
            conf_id = self.conference_id(room)
            if conf_id not in self.conferences:
                self.conferences[conf_id] = Conference(conf_id, room)
                self.dirty_conferences.add(conf_id)

    def on_conference_join(self, e: Event) -> None:
        room = e.get("Conference", "")
        if not room:
            return
        conf_id = self.conference_id(room)
        conf = self.conferences.get(conf_id)
        if conf is None:
            conf = self.conferences[conf_id] = Conference(conf_id, room)
        exten = e.get("CallerIDNum", "")
        account = self.accounts.get(exten)
        conf.users[exten] = ConferenceUser(exten, account.name if account else "", e.get("Channel", ""),
                                           e.get("Muted") == "Yes", e.get("Admin") == "Yes")
        self.dirty_conferences.add(conf_id)
        ch = self._known(e)
        if ch is not None:
            ch.conference = room
            self._affect(ch)

    def on_conference_leave(self, e: Event) -> None:
        conf = self.conferences.get(self.conference_id(e.get("Conference", "")))
        exten = e.get("CallerIDNum", "")
        if conf is not None and (user := conf.users.get(exten)) is not None and user.channel == e.get("Channel"):
            del conf.users[exten]
            self.dirty_conferences.add(conf.id)
        ch = self._known(e)
        if ch is not None:
            ch.conference = ""
            self._affect(ch)

    def on_conference_end(self, e: Event) -> None:
        conf_id = self.conference_id(e.get("Conference", ""))
        if self.conferences.pop(conf_id, None) is not None:
            self.dirty_conferences.discard(conf_id)
            self.ended_conferences.append(conf_id)

    def on_conference_mute(self, e: Event) -> None:
        conf = self.conferences.get(self.conference_id(e.get("Conference", "")))
        if conf is None:
            return
        muted = e.get("Event") == "ConfbridgeMute"
        for user in conf.users.values():
            if user.channel == e.get("Channel") and user.muted != muted:
                user.muted = muted
                self.dirty_conferences.add(conf.id)
