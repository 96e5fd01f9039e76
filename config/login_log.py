"""One log line per failed log-in, and one per lockout, instead of django-axes' own.

axes logs each failure two or three times (INFO "running database handler", WARNING "New/Repeated
login failure by {username: ..., ip_address: ..., user_agent: ...}", WARNING "Locking out ...") and
twice per successful log-in; its `axes` logger is set to ERROR in config/settings/logging.py. This
line carries the page and the client address only: never the password, the credentials dict, nor
the typed user name (people type their password there by mistake). The attempts, with user names,
are in the admin (Axes → Access attempts) for support.
"""

import logging
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from config.client_ip import client_ip

logger = logging.getLogger("config.login")


@receiver(user_login_failed, dispatch_uid="config.login_log.login_failed")
def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """Runs after axes' own receiver (axes is installed before config), which marks the request that locked out."""
    if request is None:
        return
    fields = {"path": request.path[:200], "ip": client_ip(request)}
    if getattr(request, "axes_locked_out", False):
        logger.warning("login locked out", extra=fields)
    else:
        logger.info("login failed", extra=fields)
