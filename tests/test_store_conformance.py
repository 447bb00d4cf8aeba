"""Our stores pass the shipped conformance suite (session_middleware.testing.conformance)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from session_middleware import MemoryStore, RedisStore, SyncRedisStore
from session_middleware.testing.conformance import AsyncStoreContract, SyncStoreContract
from tests.redis_server import RedisServer


class TestMemoryStore(AsyncStoreContract):
    def make_store(self) -> Any:
        return MemoryStore()


class TestSyncMemoryStore(SyncStoreContract):
    def make_store(self) -> Any:
        return MemoryStore().as_sync()


class _OnRedis:
    server: RedisServer

    @pytest.fixture(autouse=True)
    def _server(self, redis_server: RedisServer) -> None:
        self.server = redis_server

    def _prefix(self) -> str:
        return f"conformance:{uuid.uuid4().hex[:8]}:"


class TestRedisStore(_OnRedis, AsyncStoreContract):
    def make_store(self) -> Any:
        return RedisStore.from_url(self.server.url, prefix=self._prefix())


class TestSyncRedisStore(_OnRedis, SyncStoreContract):
    def make_store(self) -> Any:
        return SyncRedisStore.from_url(self.server.url, prefix=self._prefix())
