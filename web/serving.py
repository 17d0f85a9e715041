"""`rootball serve`: gunicorn with several workers in front of the app factory."""
from __future__ import annotations

import os
import secrets
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from web import create_app

        return create_app()


def serve(host: str, port: int, workers: int) -> None:
    """Serve until stopped; every worker shares one secret key so sessions survive any worker."""
    os.environ.setdefault("ROOTBALL_SECRET_KEY", secrets.token_hex(32))
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 60}).run()
