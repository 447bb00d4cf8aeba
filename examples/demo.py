"""The demo app: a visit counter and a cart in a server-side, encrypted session.

Run it with ``scripts/demo`` (in-memory store, http://127.0.0.1:8000). Set ``REDIS_URL``
to keep sessions in Redis instead, and ``SESSION_SECRET`` to your own secret.
"""

from __future__ import annotations

import html
import os
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from session_middleware import MemoryStore, SessionMiddleware
from session_middleware.types import AsyncStore

# A fixed development secret, so restarting the demo keeps its sessions. Never reuse it.
DEV_SECRET = "demo-only-secret-do-not-use-in-production"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>session_middleware demo</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>session_middleware demo</h1>
<p>You have visited this page <strong>{visits}</strong> time(s) in this session.</p>
<p>Cart: {cart}</p>
<form method="post" action="/cart">
  <input name="item" placeholder="an item" required maxlength="40">
  <button>Add to cart</button>
</form>
<form method="post" action="/clear"><button>End the session</button></form>
<p><small>The cookie holds only a signed session id; the data lives in the {store}
store, encrypted with AES-256-GCM.</small></p>
</body></html>"""


async def home(request: Request) -> Response:
    session = request.session
    session["visits"] = session.get("visits", 0) + 1
    cart = ", ".join(html.escape(item) for item in session.get("cart", [])) or "empty"
    store = type(request.app.state.store).__name__
    return HTMLResponse(PAGE.format(visits=session["visits"], cart=cart, store=store))


async def add_to_cart(request: Request) -> Response:
    # A plain urlencoded form: parsed here so the demo needs no multipart library.
    form = parse_qs((await request.body()).decode())
    item = form.get("item", [""])[0].strip()[:40]
    if item:
        request.session.setdefault("cart", []).append(item)
    return RedirectResponse("/", status_code=303)


async def clear(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)


def build_store() -> AsyncStore:
    """Redis when ``REDIS_URL`` is set, otherwise the embedded in-memory store."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return MemoryStore()
    from session_middleware import RedisStore  # needs the redis extra

    return RedisStore.from_url(url)


def create_app(store: AsyncStore | None = None) -> Starlette:
    """The demo application over ``store`` (default: see :func:`build_store`)."""
    store = store if store is not None else build_store()
    secret = os.environ.get("SESSION_SECRET", DEV_SECRET)
    app = Starlette(
        routes=[
            Route("/", home),
            Route("/cart", add_to_cart, methods=["POST"]),
            Route("/clear", clear, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key=secret, store=store)],
    )
    app.state.store = store
    return app


app = create_app()
