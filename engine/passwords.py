"""Password hashing (argon2id)."""
from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _HASHER.hash(password)


@cache
def _stand_in() -> str:
    """A hash no password matches, verified in place of an account that does not exist."""
    return _HASHER.hash(secrets.token_hex(32))


def check_password(stored: str | None, password: str) -> bool:
    """True when `password` matches the stored hash; without one, a stand-in is verified so it costs the same."""
    try:
        return _HASHER.verify(stored or _stand_in(), password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False
