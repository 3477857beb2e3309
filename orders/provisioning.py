"""The provisioning seam: what carries an order out in the operator's systems.

A deployment plugs in its BSS (the billing and service system) as a :class:`Provisioning`; the
hotline ships :class:`orders.builtin_provisioning.BuiltinProvisioning`, which changes our own
customer and billing store. The contract every adapter keeps:

- :meth:`Provisioning.apply` carries the order out **all or nothing**, and is idempotent per
  order number (applying an order again returns the first result); when it cannot, it raises
  :class:`ProvisioningFailed` with a reason code and changes nothing;
- :meth:`Provisioning.applied` says whether an order was applied, so that after a time-out or a
  lost connection the order service (:mod:`orders.service`) can tell "done" from "not done"
  instead of guessing.

The order service bounds both with time-outs (``[orders] timeout_s``, ``lookup_timeout_s``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from storage.billing import Service
from storage.service_orders import OrderAction

__all__ = ["Provisioned", "Provisioning", "ProvisioningFailed", "ProvisioningRequest"]


@dataclass(frozen=True, slots=True)
class ProvisioningRequest:
    order_number: str
    action: OrderAction
    customer_id: int
    line_number: str
    business: Service
    item: str  # catalogue code; "" for suspend / resume
    monthly_fen: int
    one_off_fen: int
    effective_on: date
    actor: str


@dataclass(frozen=True, slots=True)
class Provisioned:
    reference: str  # the adapter's own reference (a BSS work order id)


class ProvisioningFailed(Exception):
    """The order cannot be carried out; nothing was changed. ``reason`` is a stable code
    (``already_active``, ``not_active``, ``line_not_active``, ``no_such_line``, ``rejected`` …)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Provisioning(Protocol):
    name: str

    async def apply(self, request: ProvisioningRequest) -> Provisioned: ...

    async def applied(self, order_number: str) -> Provisioned | None: ...
