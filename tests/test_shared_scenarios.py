"""The behaviours both adapters must share, run through each: Starlette's TestClient and
Flask's test client, over the memory store and real Redis."""

from __future__ import annotations

from collections.abc import Callable

from session_middleware.testing import FakeClock
from tests.browsers import Browser

MakeBrowser = Callable[..., Browser]


def test_write_then_read_with_one_cookie(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    first = browser.post("/set", json={"user": "ada"})
    assert first.body["data"] == {"user": "ada"} and len(first.set_cookies) == 1
    second = browser.get("/")
    assert second.body == {"data": {"user": "ada"}, "is_new": False}
    assert second.set_cookies == [] and "cookie" in second.headers.get("vary", "").lower()


def test_no_cookie_and_no_write_sets_nothing(make_browser: MakeBrowser) -> None:
    reply = make_browser().get("/")
    assert reply.body == {"data": {}, "is_new": True} and reply.set_cookies == []


def test_nested_mutation_persists(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    browser.post("/set", json={"cart": []})
    browser.post("/append/cart?item=tea")
    assert browser.get("/").body["data"] == {"cart": ["tea"]}


def test_clear_destroys_the_session(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    browser.post("/set", json={"a": 1})
    old = browser.cookie
    assert old is not None
    browser.post("/clear")
    browser.set_cookie(old)
    assert browser.get("/").body == {"data": {}, "is_new": True}


def test_login_kills_the_pre_login_id(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    browser.post("/set", json={"cart": ["tea"]})
    before = browser.cookie
    assert browser.post("/login", json={"user": "ada"}).body["data"] == {"cart": ["tea"]}
    assert browser.get("/whoami").body["user"] == "ada"
    assert before is not None and browser.cookie != before
    browser.set_cookie(before)
    assert browser.get("/whoami").body["user"] is None


def test_logout_kills_the_session(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    browser.post("/login", json={"user": "ada"})
    cookie = browser.cookie
    browser.post("/logout")
    assert cookie is not None
    browser.set_cookie(cookie)
    assert browser.get("/whoami").body["user"] is None


def test_guard_refuses_old_authentication(make_browser: MakeBrowser, clock: FakeClock) -> None:
    browser = make_browser()
    assert browser.get("/members").status == 401
    browser.post("/login", json={"user": "ada"})
    assert browser.get("/sensitive").body == "sensitive ok"
    clock.advance(301)
    refused = browser.get("/sensitive")
    assert (refused.status, refused.body) == (401, {"detail": "reauth_required"})
    browser.post("/reauth")
    assert browser.get("/sensitive").body == "sensitive ok"


def test_idle_sessions_expire(make_browser: MakeBrowser, clock: FakeClock) -> None:
    browser = make_browser(idle_timeout=600, touch_interval=60)
    browser.post("/set", json={"a": 1})
    clock.advance(500)
    assert browser.get("/").body["data"] == {"a": 1}  # slides
    clock.advance(500)
    assert browser.get("/").body["data"] == {"a": 1}
    clock.advance(601)
    assert browser.get("/").body == {"data": {}, "is_new": True}


def test_passive_polling_does_not_keep_a_session_alive(
    make_browser: MakeBrowser, clock: FakeClock
) -> None:
    browser = make_browser(idle_timeout=600, touch_interval=60)
    browser.post("/set", json={"a": 1})
    for _ in range(11):
        clock.advance(60)
        browser.get("/poll")
    assert browser.get("/").body == {"data": {}, "is_new": True}


def test_tampered_cookie_gets_a_fresh_session(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    browser.post("/set", json={"a": 1})
    cookie = browser.cookie
    assert cookie is not None
    browser.set_cookie(cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB"))
    reply = browser.get("/")
    assert reply.status == 200 and reply.body == {"data": {}, "is_new": True}


def test_a_failed_handler_persists_nothing(make_browser: MakeBrowser) -> None:
    browser = make_browser()
    browser.post("/set", json={"a": 1})
    assert browser.post("/fail").status == 500
    assert browser.get("/").body["data"] == {"a": 1}


def test_revoking_from_another_device(make_browser: MakeBrowser) -> None:
    phone, laptop = make_browser(), make_browser()
    phone.post("/login", json={"user": "ada"})
    laptop.post("/login", json={"user": "ada"})
    phone_handle = phone.get("/whoami").body["handle"]
    assert len(laptop.get("/sessions").body) == 2
    assert laptop.post(f"/revoke/{phone_handle}").body == {"revoked": True}
    assert phone.get("/whoami").body["user"] is None
