"""The public names (STYLE.md rule 12): __all__ is sorted and is exactly what is exported."""

from __future__ import annotations

import inspect
import subprocess
import sys

import session_middleware


def test_all_is_sorted_and_complete() -> None:
    exported = session_middleware.__all__
    assert exported == sorted(exported)
    public = {
        name
        for name, value in vars(session_middleware).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    helpers = {"annotations", "TYPE_CHECKING", "Any"}
    assert public - helpers == set(exported) - {"RedisStore", "SyncRedisStore"}  # lazy
    for name in exported:
        assert getattr(session_middleware, name) is not None


def test_package_imports_without_redis_or_flask() -> None:
    code = (
        "import sys; sys.modules['redis'] = None; sys.modules['flask'] = None\n"
        "import session_middleware\n"
        "assert 'redis' not in [m for m in sys.modules if sys.modules[m]]\n"
        "print(session_middleware.SessionMiddleware.__name__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SessionMiddleware"


def test_errors_derive_from_one_base() -> None:
    for name in session_middleware.__all__:
        value = getattr(session_middleware, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, session_middleware.SessionError)
