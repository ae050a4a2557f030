"""The sockets of this process: waiting for their login, or logged in (a Session each)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MOBILE = "mobile"
UA_TYPES = ("desktop", MOBILE)


@dataclass(slots=True)
class Session:
    """A logged-in socket: the login string as sent (``accessKeyId``), its user, the token it keeps alive."""

    sid: str
    login: str
    username: str
    ua_type: str | None  # "desktop", "mobile", or None when the client sent none
    token: str = field(repr=False)
    digest: str = field(repr=False)  # nethcti_auth.tokens.token_digest(token): how revocations name it
    rooms: frozenset[str] = frozenset()

    @property
    def desktop(self) -> bool:
        """Whether the socket counts for the auto rules (first login, last logout): anything but a mobile app."""
        return self.ua_type != MOBILE


@dataclass(slots=True)
class Pending:
    """A connected socket that has not logged in yet."""

    connected_at: float
    logging_in: bool = False


class Sessions:
    """Logged-in sockets by socket id and by username; pending sockets by socket id.

    Bounded by the open sockets: a socket is forgotten when it disconnects, logged in or not.
    """

    def __init__(self) -> None:
        self.pending: dict[str, Pending] = {}
        self._by_sid: dict[str, Session] = {}
        self._by_user: dict[str, dict[str, Session]] = {}
        self._room_members: Counter[str] = Counter()  # rooms joined at login -> logged-in sockets in them

    def add(self, session: Session) -> None:
        self.pending.pop(session.sid, None)
        self._by_sid[session.sid] = session
        self._by_user.setdefault(session.username, {})[session.sid] = session
        self._count(session.rooms, +1)

    def set_rooms(self, session: Session, rooms: Iterable[str]) -> None:
        self._count(session.rooms, -1)
        session.rooms = frozenset(rooms)
        self._count(session.rooms, +1)

    def _count(self, rooms: Iterable[str], delta: int) -> None:
        for room in rooms:
            self._room_members[room] += delta
            if self._room_members[room] <= 0:
                del self._room_members[room]

    def occupied(self, room: str) -> bool:
        """Whether a logged-in socket of this process is in ``room`` (one of those joined at login)."""
        return self._room_members[room] > 0

    def remove(self, sid: str) -> Session | None:
        """Forget the socket, pending or logged in; the Session it had, if any."""
        self.pending.pop(sid, None)
        session = self._by_sid.pop(sid, None)
        if session is not None:
            self._count(session.rooms, -1)
            of_user = self._by_user[session.username]
            del of_user[sid]
            if not of_user:
                del self._by_user[session.username]
        return session

    def get(self, sid: str) -> Session | None:
        return self._by_sid.get(sid)

    def of_user(self, username: str) -> list[Session]:
        return list(self._by_user.get(username, {}).values())

    def desktop_count(self, username: str) -> int:
        return sum(1 for s in self._by_user.get(username, {}).values() if s.desktop)

    def with_token(self, login: str, digest: str) -> list[Session]:
        return [s for s in self._by_sid.values() if s.digest == digest and s.login == login]

    def usernames(self) -> list[str]:
        return list(self._by_user)

    def __iter__(self) -> Iterator[Session]:
        return iter(list(self._by_sid.values()))

    def __len__(self) -> int:
        return len(self._by_sid)
