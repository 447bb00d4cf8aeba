"""Devices: a long-lived signed device cookie, and a readable label from the User-Agent.

Fingerprints collide and drift, so a device is whatever holds the device cookie: a random
id issued at the first login and kept across sessions (logging out does not clear it). It
is signed like the session cookie, under the same attribute rules, and means nothing alone:
it names no user and opens no session.
"""

from __future__ import annotations

import re
import secrets

from session_middleware.crypto.signer import BadCookie, CookieSigner

__all__ = ["DEVICE_MAX_AGE", "DeviceCookie", "device_label", "new_device_id"]

DEVICE_MAX_AGE = 400 * 24 * 60 * 60  # the longest lifetime browsers allow a cookie
_DEVICE_ID = re.compile(r"d[A-Za-z0-9_-]{22}")


def new_device_id() -> str:
    """A fresh random device id (128 bits from ``secrets``)."""
    return "d" + secrets.token_urlsafe(16)


class DeviceCookie:
    """Reads and writes the device cookie's value."""

    __slots__ = ("_signer",)

    def __init__(self, signer: CookieSigner) -> None:
        self._signer = signer

    def read(self, value: str | None) -> str | None:
        """The device id in a cookie value, or ``None`` if absent or not genuine."""
        if value is None or len(value) > 128:
            return None
        try:
            device_id, _ = self._signer.unsign(value)
        except BadCookie:
            return None
        return device_id if _DEVICE_ID.fullmatch(device_id) else None

    def value(self, device_id: str) -> str:
        """The signed cookie value for ``device_id``."""
        return self._signer.sign(device_id)


_BROWSERS = [
    ("Edge", re.compile(r"Edg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"OPR/|Opera")),
    ("Firefox", re.compile(r"Firefox/|FxiOS/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/")),
    ("Safari", re.compile(r"Safari/")),
    ("curl", re.compile(r"^curl/")),
]
_SYSTEMS = [
    ("iOS", re.compile(r"iPhone|iPad|iPod")),
    ("Android", re.compile(r"Android")),
    ("Windows", re.compile(r"Windows")),
    ("macOS", re.compile(r"Macintosh|Mac OS X")),
    ("ChromeOS", re.compile(r"CrOS")),
    ("Linux", re.compile(r"Linux")),
]


def device_label(user_agent: str) -> str:
    """A short label such as ``"Firefox on Linux"`` for listings ("Unknown device" if none)."""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
