"""Flask extensions as module singletons, bound to the app in the factory."""
from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login = LoginManager()
login.login_view = "auth.login"
login.login_message = "请先登录"
login.login_message_category = "warning"
