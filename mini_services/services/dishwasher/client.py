"""How the waiter asks the dishwasher for a clean plate."""

from mini_services.kit.calls import Link
from mini_services.services.dishwasher.models import CleanPlate, PlateRequest


class DishwasherClient:
    def __init__(self, link: Link):
        self.link = link

    async def plate_for(self, request: PlateRequest) -> CleanPlate:
        answer = await self.link.call("POST", "/plates", json=request.model_dump(), idempotency_key=request.order_id)
        return CleanPlate.model_validate(answer)
