"""Logging in to the console: password hashes in the users file, sessions, CSRF tokens.

A user logs in with the password whose scrypt hash their entry in the users file holds
(`password:`, made by `crossaudit serve --hash-password`); a user without one cannot log in.

    hashed = hash_password("s3cret")               # 'scrypt$16384$8$1$<salt>$<hash>'
    check_password(hashed, "s3cret")               # True
    sessions = Sessions(); session = sessions.open(user)
    sessions.get(session.token).csrf == session.csrf

Sessions live in the server's memory (a restart logs everyone out) and end after `SESSION_HOURS`.
Every state change carries the session's CSRF token (a form field or the X-CSRF-Token header);
the cookie is HttpOnly and SameSite=Strict.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from crossaudit.engine.access import User

SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
SESSION_HOURS = 8
COOKIE = "crossaudit_session"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """The scrypt hash to write as a user's `password:` in the users file."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT, dklen=32)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def check_password(hashed: str | None, password: str) -> bool:
    """Whether `password` matches the hash (False for no hash or a malformed one).

    >>> check_password(hash_password("密码 1"), "密码 1"), check_password(hash_password("a"), "b")
    (True, False)
    """
    try:
        scheme, n, r, p, salt, digest = (hashed or "").split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(computed, _unb64(digest))


@dataclass
class Session:
    token: str
    user: User
    csrf: str
    expires: float = field(default_factory=lambda: time.time() + SESSION_HOURS * 3600)


class Sessions:
    """The logged-in sessions, by their cookie token; thread-safe."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, user: User) -> Session:
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session of the token; None if unknown or expired."""
        with self._lock:
            session = self._sessions.get(token or "")
            if session is not None and session.expires < time.time():
                del self._sessions[session.token]
                return None
            return session

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def same_token(given: str | None, expected: str) -> bool:
    """A constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
