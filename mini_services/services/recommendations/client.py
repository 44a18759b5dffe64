"""How other services call the Recommendation service."""

from mini_services.kit.calls import Link
from mini_services.services.recommendations.models import Recommendations, Watched, WatchRequest


class RecommendationsClient:
    def __init__(self, link: Link):
        self.link = link

    async def for_user(self, user_id: int, limit: int = 6) -> Recommendations:
        answer = await self.link.call("GET", f"/recommendations/{user_id}?limit={limit}")
        return Recommendations.model_validate(answer)

    async def watch(self, request: WatchRequest, key: str) -> Watched:
        answer = await self.link.call("POST", "/watches", json=request.model_dump(), idempotency_key=key)
        return Watched.model_validate(answer)
