"""Which provisioning adapter a node uses (``[orders] provisioning``): the built-in one, or a
deployment's own, named ``package.module:factory`` — a callable ``factory(sessions, settings)``
returning a :class:`orders.provisioning.Provisioning`. A name that cannot be loaded stops the node
at start-up with the reason, never at the first order."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.builtin_provisioning import BuiltinProvisioning
from orders.catalogue import load_catalogue
from orders.provisioning import Provisioning
from orders.service import OrderService
from orders.settings import OrderSettings

__all__ = ["ProvisioningConfigError", "order_service", "provisioning_for"]


class ProvisioningConfigError(Exception):
    pass


def provisioning_for(
    settings: OrderSettings, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> Provisioning:
    name = settings.provisioning
    if name == "builtin":
        return BuiltinProvisioning(sessions, clock)
    module_name, _, attribute = name.partition(":")
    if not module_name or not attribute:
        raise ProvisioningConfigError(f"orders.provisioning: {name!r} is neither builtin nor module:factory")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ProvisioningConfigError(f"orders.provisioning: cannot load {name!r}: {exc}") from exc
    adapter = factory(sessions, settings)
    for method in ("apply", "applied"):
        if not callable(getattr(adapter, method, None)):
            raise ProvisioningConfigError(f"orders.provisioning: {name!r} made an adapter without {method}()")
    if not isinstance(getattr(adapter, "name", None), str):
        raise ProvisioningConfigError(f"orders.provisioning: {name!r} made an adapter without a name")
    result: Provisioning = adapter
    return result


def order_service(
    settings: OrderSettings, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]
) -> OrderService:
    """The node's order service: its catalogue (checked now) and its provisioning adapter."""
    catalogue = load_catalogue(settings.catalogue_file)
    return OrderService(sessions, catalogue, provisioning_for(settings, sessions, clock), settings, clock)
