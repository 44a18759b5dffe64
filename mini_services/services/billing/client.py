"""How other services call the Billing service."""

from mini_services.kit.calls import Link
from mini_services.services.billing.models import Charge, ChargeRequest, Subscription


class BillingClient:
    def __init__(self, link: Link):
        self.link = link

    async def subscription(self, user_id: int) -> Subscription:
        return Subscription.model_validate(await self.link.call("GET", f"/subscriptions/{user_id}"))

    async def charge(self, request: ChargeRequest, key: str) -> Charge:
        answer = await self.link.call("POST", "/charges", json=request.model_dump(), idempotency_key=key)
        return Charge.model_validate(answer)

    async def charges(self, user_id: int) -> list[Charge]:
        return [Charge.model_validate(c) for c in await self.link.call("GET", f"/charges?user_id={user_id}")]
