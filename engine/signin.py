"""Signing in: one password check whatever the account, and back-off per client address and per account from it.

Failures are counted per client address (every account tried from it) and per account from that
address, never per account alone: whoever guesses from one address slows down only that address,
and the owner signing in from elsewhere is not locked out. Past the free failures each further
one doubles the wait, up to a cap. An IPv6 client is counted by its /64, which one host usually holds.
"""
from __future__ import annotations

import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from engine.accounts import USERNAME
from engine.errors import TooManyAttempts
from engine.models import LoginAttempt, User, utcnow
from engine.passwords import check_password

_UNSTORABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Throttle:
    """How many failures are free, and how the wait grows after them (seconds)."""

    account_free: int = 5  # failures of one account from one address
    address_free: int = 20  # failures from one address, all accounts together
    window: float = 3600.0  # failures older than this are forgotten
    base: float = 1.0  # the wait after the last free failure, doubled with each further one
    cap: float = 900.0

    def wait(self, failures: int, free: int) -> float:
        """Seconds to wait after the newest of `failures`."""
        if failures < free:
            return 0.0
        return min(self.cap, self.base * 2 ** min(failures - free, 64))


def client_key(address: str | None) -> str:
    """The address failures are counted under: an IPv4 address, an IPv6 /64, or the raw value cut to size."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return _UNSTORABLE.sub("", address or "")[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _failures(session: Session, since: datetime, *where: ColumnElement[bool]) -> tuple[int, datetime | None]:
    count, newest = session.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since, *where)).one()
    return int(count or 0), newest


def retry_after(session: Session, throttle: Throttle, username: str, address: str,
                now: datetime | None = None) -> int | None:
    """Seconds before `username` may be tried again from `address`, or None when it may be now."""
    now = now or utcnow()
    start = now - timedelta(seconds=throttle.window)
    pair = (LoginAttempt.username == username, LoginAttempt.remote_addr == address)
    # The owner's own success from this address starts its count afresh; the address's count never does.
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.success.is_(True), LoginAttempt.at >= start, *pair))
    waits = []
    for since, where, free in ((max(start, last_success or start), pair, throttle.account_free),
                               (start, (LoginAttempt.remote_addr == address,), throttle.address_free)):
        count, newest = _failures(session, since, *where)
        if newest is not None:
            waits.append((newest + timedelta(seconds=throttle.wait(count, free)) - now).total_seconds())
    longest = max(waits, default=0.0)
    return math.ceil(longest) if longest > 0 else None


def _stored_name(username: str) -> str:
    return _UNSTORABLE.sub("", username)[:80]


def authenticate(session: Session, throttle: Throttle, username: str, password: str, address: str | None,
                 now: datetime | None = None) -> User | None:
    """The active user whose password this is, or None; TooManyAttempts while `address` must wait.

    Every attempt that is not held back costs one password verification, a made-up hash standing in
    for an unknown, inactive or malformed account, so the answer's timing does not tell which exist.
    The attempt is recorded (the caller commits).
    """
    now = now or utcnow()
    key, name = client_key(address), _stored_name(username)
    wait = retry_after(session, throttle, name, key, now)
    if wait is not None:
        raise TooManyAttempts(wait)
    user = session.scalar(select(User).where(User.username == username)) if USERNAME.match(username) else None
    matches = check_password(user.password_hash if user is not None else None, password)
    ok = matches and user is not None and user.active
    session.add(LoginAttempt(username=name, remote_addr=key, success=ok, at=now))
    return user if ok else None
