"""A connection's health when the provider rejects its credentials.

A 401/403 from a warehouse or a returns platform is not the RMA's or the return's fault and will
not heal by retrying: the connection is marked "credentials rejected by <provider>" (its status, so
the admin and the API show it and every push path already waits on a connection that is not
accepting work), its pending work waits without spending retries, and its members are told. When
the merchant saves credentials that work, the status it had comes back and what waited is queued.
"""

import logging

from django.db import transaction
from django.utils import timezone

from integrations.exceptions import ProviderAuthError, ProviderError
from integrations.handlers import connection_activated
from integrations.models import Connection
from integrations.registry import get_declaration

logger = logging.getLogger(__name__)

HEALTH_FIELDS = ("status", "status_before_rejection", "health_message", "last_error")


def _provider_label(connection: Connection) -> str:
    """ "ShipMonk", or "ShipMonk through TrackStar" where TrackStar answered for it."""
    declaration = get_declaration(connection.provider)
    if declaration.fronts_other_wms and connection.wms_name:
        return f"{connection.display_name} through {declaration.display_name}"
    return connection.display_name


def connection_credentials_rejected(*, connection_id: int, exc: ProviderError) -> bool:
    """Mark the connection when `exc` is a 401/403; True when it is (the caller's work then waits, pending)."""
    if not isinstance(exc, ProviderAuthError):
        return False
    with transaction.atomic():
        connection = Connection.objects.select_for_update().select_related("store").filter(pk=connection_id).first()
        if connection is None:
            return False
        newly = connection.status != Connection.Status.CREDENTIALS_REJECTED
        message = f"Credentials rejected by {_provider_label(connection)}: {exc.message}"[:2000]
        was_live = connection.status == Connection.Status.ACTIVE
        if newly:
            connection.status_before_rejection = connection.status
            connection.status = Connection.Status.CREDENTIALS_REJECTED
        connection.health_message = message
        connection.last_error = message
        # save(): the status change is kept in the connection's history, as the admin's are.
        connection.save(
            update_fields=["status", "status_before_rejection", "health_message", "last_error", "updated_at"]
        )
        if newly and was_live:
            # In the wizard the merchant sees it on the page; a live store is told by email.
            from integrations.services.notifications import connection_notify

            connection_notify(
                connection_id=connection.pk,
                kind="credentials_rejected",
                message=f"{_provider_label(connection)} rejected the credentials Backhaul uses ({exc.message}). "
                "RMAs and updates for it wait until you enter working ones.",
            )
    if newly:
        logger.warning("connection credentials rejected", extra={"connection_id": connection_id})
    return True


def connection_credentials_accepted(*, connection: Connection) -> Connection:
    """After a successful call with the stored credentials: a rejected connection gets its status back
    and what waited (pending RMAs, queued platform actions) is queued again."""
    if not Connection.objects.filter(pk=connection.pk, status=Connection.Status.CREDENTIALS_REJECTED).exists():
        return connection
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        if locked.status != Connection.Status.CREDENTIALS_REJECTED:
            return locked
        locked.status = locked.status_before_rejection or Connection.Status.DRAFT
        locked.status_before_rejection = ""
        locked.health_message = f"Credentials accepted again {timezone.now():%Y-%m-%d %H:%M} UTC"
        locked.last_error = ""
        locked.save(update_fields=[*HEALTH_FIELDS, "updated_at"])
        # The returns app queues what waited: pending RMAs, actions queued for the platform.
        connection_activated.run(connection=locked)
    for name in HEALTH_FIELDS:
        setattr(connection, name, getattr(locked, name))
    return connection
