"""One browser interface over Starlette's TestClient and Flask's test client, so the same
scenarios run against both adapters (issue 6: share the scenarios, don't copy them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from flask.testing import FlaskClient
from starlette.testclient import TestClient


@dataclass
class Reply:
    """What a scenario looks at in a response."""

    status: int
    body: Any
    set_cookies: list[str]
    headers: dict[str, str]


class Browser(Protocol):
    """A browser with a cookie jar, on one app."""

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply: ...
    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Reply: ...
    @property
    def cookie(self) -> str | None: ...
    def set_cookie(self, value: str) -> None: ...


def _body(content_type: str, json: Any, text: str) -> Any:
    return json() if "json" in content_type else text


class StarletteBrowser:
    """A :class:`Browser` over Starlette's TestClient."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def _reply(self, response: Any) -> Reply:
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = _body(headers.get("content-type", ""), response.json, response.text)
        return Reply(response.status_code, body, response.headers.get_list("set-cookie"), headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self._reply(self.client.get(path, headers=headers))

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Reply:
        return self._reply(self.client.post(path, json=json, headers=headers))

    @property
    def cookie(self) -> str | None:
        value: str | None = self.client.cookies.get("session")
        return value

    def set_cookie(self, value: str) -> None:
        self.client.cookies.set("session", value)


class FlaskBrowser:
    """A :class:`Browser` over Flask's test client."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def _reply(self, response: Any) -> Reply:
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = _body(headers.get("content-type", ""), lambda: response.json, response.text)
        return Reply(response.status_code, body, response.headers.getlist("Set-Cookie"), headers)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self._reply(self.client.get(path, headers=headers))

    def post(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Reply:
        return self._reply(self.client.post(path, json=json, headers=headers))

    @property
    def cookie(self) -> str | None:
        found = self.client.get_cookie("session")
        return found.value if found is not None else None

    def set_cookie(self, value: str) -> None:
        self.client.set_cookie("session", value)
