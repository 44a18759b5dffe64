"""The Recommendation service: what should this viewer watch next? A real (small) numpy model, trained at start-up.

    GET  /recommendations/{user_id}   the model's best titles for this viewer (model.py)
    POST /watches                     a viewer watched a title: their next recommendations change at once
    GET  /_kitchen/model              what the model costs, measured in this process
"""

import time
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, HTTPException, Path, Query

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.recommendations.model import ItemSimilarity
from mini_services.services.recommendations.models import Recommendations, Title, Watched, WatchRequest
from mini_services.services.recommendations.store import RecommendationStore

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


class Recommender:
    """The domain logic (the monolith calls this object directly)."""

    def __init__(self, store: RecommendationStore):
        self.store = store
        self.titles = store.titles()
        self.model = ItemSimilarity(list(self.titles))
        self.model.train(store.all_views())

    async def for_user(self, user_id: int, limit: int = 6) -> Recommendations:
        began = time.thread_time_ns()  # the CPU this request costs: its history read and the model's sums
        picked = self.model.recommend(self.store.history(user_id), limit)
        self.model.measured(time.thread_time_ns() - began)
        return Recommendations(user_id=user_id, titles=[Title(**self.titles[t]) for t in picked], source="personal")

    async def watch(self, request: WatchRequest, key: str) -> Watched:
        if request.title_id not in self.titles:
            raise HTTPException(404, f"there is no title {request.title_id}: titles are 1 to {max(self.titles)}")
        row, _created = self.store.watch(request.user_id, request.title_id, key, time.time())
        return Watched(user_id=row["user_id"], title_id=row["title_id"], title=self.titles[row["title_id"]]["name"],
                       watched_at=row["watched_at"])


def routes(recommender: Recommender) -> APIRouter:
    router = APIRouter(tags=["recommendations"])

    @router.get("/recommendations/{user_id}")
    async def recommend(user_id: int = Path(ge=1), limit: int = Query(6, ge=1, le=20)) -> Recommendations:
        """A row of titles picked for this viewer."""
        return await recommender.for_user(user_id, limit)

    @router.post("/watches")
    async def watch(request: WatchRequest, key: IdempotencyKey) -> Watched:
        """This viewer watched this title (stored once per Idempotency-Key); their recommendations follow."""
        return await recommender.watch(request, key)

    @router.get("/_kitchen/model", tags=["kitchen"])
    async def model_cost() -> dict:
        """What the model costs, measured here: numpy's load time and memory, training time, CPU per request."""
        return recommender.model.cost()

    return router


def build(ctx: ReplicaContext) -> Recommender:
    return Recommender(RecommendationStore(ctx.db_path("recommendations")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    recommender = build(ctx)
    return service_app(ctx, [routes(recommender)], recommender.store.db.tables)
