"""Binding an authenticated session to its client's signals (DESIGN.md A6).

The signals recorded at login are compared with each request's. A new User-Agent (or a
client outside the recorded network prefix, when IP binding is on) is handled as the
:class:`~session_middleware.core.options.Binding` option says, with an event each time.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Literal

from session_middleware.cache import Memo
from session_middleware.core.commands import Delete, Flow
from session_middleware.core.cookies import new_session_id
from session_middleware.core.meta import ClientSignals
from session_middleware.core.options import Binding
from session_middleware.core.state import RequestState
from session_middleware.events import BindingMismatch

if TYPE_CHECKING:
    from session_middleware.core.lifecycle import SessionCore

__all__ = ["BindingCheck"]


class BindingCheck:
    """Builds a request's client signals and compares them with a record's."""

    __slots__ = ("_signals", "options")

    def __init__(self, options: Binding) -> None:
        self.options = options
        self._signals: Memo[tuple[str, str | None], ClientSignals] = Memo(self._reduce)

    def signals(self, user_agent: str, client_ip: str | None) -> ClientSignals:
        """The signals of a request, reduced to what the binding compares."""
        return self._signals((user_agent, client_ip if self.options.ip else None))

    def _reduce(self, raw: tuple[str, str | None]) -> ClientSignals:
        user_agent, client_ip = raw
        prefix = _network(client_ip, self.options) if self.options.ip else None
        return ClientSignals(user_agent if self.options.user_agent else "", prefix)

    def check(self, core: SessionCore, state: RequestState) -> Flow[None]:
        """Compare the loaded record's binding with the request and act on a mismatch."""
        meta, record = state.meta, state.record
        if meta is None or record is None or meta.bound_to is None:
            return
        signal = self._mismatch(meta.bound_to, state.signals)
        if signal is None:
            return
        action = self.options.on_mismatch
        handle = core.identity.handle(state.session.id)
        state.events.append(BindingMismatch(handle=handle, signal=signal, action=action))
        if action == "flag":
            state.meta = meta.flagged()
        elif action == "revoke":
            yield Delete(record.store_key, index=core.index_ref(state.session.id, meta))
            _become_anonymous(core, state)

    def _mismatch(
        self, bound: ClientSignals, current: ClientSignals
    ) -> Literal["user_agent", "ip"] | None:
        if self.options.user_agent and bound.user_agent != current.user_agent:
            return "user_agent"
        if self.options.ip and bound.ip_prefix != current.ip_prefix:
            return "ip"
        return None


def _become_anonymous(core: SessionCore, state: RequestState) -> None:
    """The session was revoked mid-request: go on with a fresh one, expire the cookie."""
    new_id = new_session_id(core.keyring.primary.kid)
    state.session = core.session_class({}, session_id=new_id, is_new=True)
    state.record, state.meta, state.destroyed = None, None, True


def _network(client_ip: str | None, options: Binding) -> str | None:
    if client_ip is None:
        return None
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return None
    bits = options.ipv4_prefix if address.version == 4 else options.ipv6_prefix
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
