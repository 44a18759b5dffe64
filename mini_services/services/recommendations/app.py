"""The Recommendation service: what should this viewer watch next?"""

from fastapi import APIRouter, FastAPI, Path, Query

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.recommendations.models import Recommendations, Title
from mini_services.services.recommendations.store import RecommendationStore


class Recommender:
    """The domain logic (the monolith calls this object directly)."""

    def __init__(self, store: RecommendationStore):
        self.store = store

    async def for_user(self, user_id: int, limit: int = 6) -> Recommendations:
        titles = [Title(**row) for row in self.store.top_titles(user_id, limit)]
        return Recommendations(user_id=user_id, titles=titles, source="personal")


def routes(recommender: Recommender) -> APIRouter:
    router = APIRouter(tags=["recommendations"])

    @router.get("/recommendations/{user_id}")
    async def recommend(user_id: int = Path(ge=1), limit: int = Query(6, ge=1, le=20)) -> Recommendations:
        """A row of titles picked for this viewer."""
        return await recommender.for_user(user_id, limit)

    return router


def build(ctx: ReplicaContext) -> Recommender:
    return Recommender(RecommendationStore(ctx.db_path("recommendations")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    recommender = build(ctx)
    return service_app(ctx, [routes(recommender)], recommender.store.db.tables)
