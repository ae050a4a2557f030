"""The Users service on ``app.extensions["users"]``: lookups, permissions, ownership, privacy masking."""

from __future__ import annotations

from collections.abc import Iterator

from nethcti_users.loader import Directory
from nethcti_users.model import Profile, User


class Users:
    """Every lookup is a dict access on the current Directory; a reload swaps the Directory whole."""

    def __init__(self, directory: Directory, privacy_numbers: str = "xxx"):
        self.directory = directory
        self.privacy_numbers = privacy_numbers

    # -- lookups

    def get(self, username: str) -> User | None:
        """The user named ``username`` (case-insensitive)."""
        return self.directory.users.get(username.lower())

    def resolve(self, login: str) -> User | None:
        """The user a login string means: a username, a main or secondary extension, or ``user@domain``."""
        key = login.lower()
        users = self.directory.users
        user = users.get(key) or self.directory.by_extension.get(key)
        if user is None and "@" in key:
            user = users.get(key.rpartition("@")[0])
        return user

    def by_extension(self, exten: str) -> User | None:
        """The owner of an extension (main or secondary)."""
        return self.directory.by_extension.get(exten)

    def profile(self, profile_id: str) -> Profile | None:
        return self.directory.profiles.get(profile_id)

    def __iter__(self) -> Iterator[User]:
        return iter(self.directory.users.values())  # a Directory is never mutated

    def __len__(self) -> int:
        return len(self.directory.users)

    def __contains__(self, username: str) -> bool:
        return username.lower() in self.directory.users

    # -- authorization

    @staticmethod
    def has_permission(user: User, permission: str) -> bool:
        """``"macro.permission"`` (both on) or ``"macro"`` (macro on) in the user's profile."""
        return user.profile is not None and permission in user.profile.granted

    @staticmethod
    def owns_extension(user: User, exten: str) -> bool:
        return exten in user.extension_ids

    @staticmethod
    def owns_voicemail(user: User, voicemail: str) -> bool:
        return voicemail in user.voicemails

    @staticmethod
    def owns_cellphone(user: User, number: str) -> bool:
        return number in user.cellphones

    # -- privacy

    def privacy_applies(self, viewer: User, exten: str | None = None) -> bool:
        """Whether ``viewer`` sees masked numbers and names (of ``exten``): never for their own extensions.

        As the original, privacy is on with ``settings.privacy`` and also for a user without a profile.
        """
        if exten is not None and exten in viewer.extension_ids:
            return False
        return viewer.profile is None or "settings.privacy" in viewer.profile.granted

    def mask_number(self, number: str) -> str:
        """The number with its last N characters overwritten by ``privacy_numbers`` (N = its length)."""
        if not number:
            return number
        return number[: -len(self.privacy_numbers)] + self.privacy_numbers

    def mask_name(self, name: str) -> str:
        """A name is replaced entirely."""
        return self.privacy_numbers

    def shown_number(self, viewer: User, number: str, exten: str | None = None) -> str:
        """``number`` as ``viewer`` may see it: masked when privacy applies to them, in clear for their own
        extension ``exten``. What a plugin calls before it sends a caller's or callee's number to a user."""
        return self.mask_number(number) if number and self.privacy_applies(viewer, exten) else number

    def shown_name(self, viewer: User, name: str, exten: str | None = None) -> str:
        """``name`` as ``viewer`` may see it (replaced when privacy applies; an empty name stays empty)."""
        return self.mask_name(name) if name and self.privacy_applies(viewer, exten) else name
