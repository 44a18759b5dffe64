"""The API gateway: the one door to the streaming service, routing each request to the right services.

    GET  /api/home?user_id=7     users (required) -> recommendations, billing, streaming (optional, in parallel)
    POST /api/subscriptions      users (required) -> billing charge (required, idempotent)
    GET  /api/charges?user_id=7  billing (required)
    POST /api/watch              users (required) -> recommendations (required): "watch this", idempotent
"""

import asyncio
import uuid
from typing import Annotated, Callable

from fastapi import APIRouter, FastAPI, Header, Query

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.kit.calls import Degraded
from mini_services.services.billing.client import BillingClient
from mini_services.services.billing.models import Charge, ChargeRequest
from mini_services.services.gateway.models import Home, SubscriptionAnswer
from mini_services.services.recommendations.client import RecommendationsClient
from mini_services.services.recommendations.models import Recommendations, Title, Watched, WatchRequest
from mini_services.services.streaming.client import VideoClient
from mini_services.services.users.client import UsersClient

OptionalKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
# what the home screen shows when the Recommendation service cannot answer
POPULAR = [Title(id=1, name="Letters in the Rain", genre="romance"), Title(id=5, name="Burnt Toast", genre="comedy"),
           Title(id=13, name="Orbit Kitchen", genre="sci-fi")]


class Gateway:
    """Composes the answers of four services; the monolith builds it with the services themselves."""

    def __init__(self, users: UsersClient, recommendations: RecommendationsClient, billing: BillingClient,
                 video: VideoClient, fallbacks: Callable[[], bool]):
        self.users, self.recommendations, self.billing, self.video = users, recommendations, billing, video
        self.fallbacks = fallbacks

    async def home(self, user_id: int) -> Home:
        user = await self.users.get(user_id)  # required: no user, no page
        degraded = Degraded(self.fallbacks())
        recs, subscription, playback = await asyncio.gather(
            degraded.optional("recommendations", self.recommendations.for_user(user_id),
                              Recommendations(user_id=user_id, titles=POPULAR, source="popular")),
            degraded.optional("billing", self.billing.subscription(user_id), None),
            degraded.optional("streaming", self.video.playback(user_id), None),
        )
        return Home(user=user, recommendations=recs.titles, recommendations_source=recs.source,
                    subscription=subscription, playback=playback, degraded=degraded.services)

    async def subscribe(self, request: ChargeRequest, key: str) -> SubscriptionAnswer:
        await self.users.get(request.user_id)
        charge = await self.billing.charge(request, key)
        return SubscriptionAnswer(**charge.model_dump())

    async def charges(self, user_id: int) -> list[Charge]:
        return await self.billing.charges(user_id)

    async def watch(self, request: WatchRequest, key: str) -> Watched:
        await self.users.get(request.user_id)
        return await self.recommendations.watch(request, key)


def routes(gateway: Gateway) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["gateway"])

    @router.get("/home")
    async def home(user_id: int = Query(ge=1)) -> Home:
        """The home screen of one viewer."""
        return await gateway.home(user_id)

    @router.post("/subscriptions")
    async def subscribe(request: ChargeRequest, key: OptionalKey = None) -> SubscriptionAnswer:
        """Change plan and charge for it; send an Idempotency-Key to make retries safe (one is made if not)."""
        return await gateway.subscribe(request, key or f"gw-{uuid.uuid4()}")

    @router.get("/charges")
    async def charges(user_id: int = Query(ge=1)) -> list[Charge]:
        """Every charge of one user, from the Billing service's database."""
        return await gateway.charges(user_id)

    @router.post("/watch")
    async def watch(request: WatchRequest, key: OptionalKey = None) -> Watched:
        """This viewer watches this title: the Recommendation service stores it, and their row changes at once."""
        return await gateway.watch(request, key or f"gw-{uuid.uuid4()}")

    return router


def create_app(ctx: ReplicaContext) -> FastAPI:
    gateway = Gateway(UsersClient(ctx.link("users")), RecommendationsClient(ctx.link("recommendations")),
                      BillingClient(ctx.link("billing")), VideoClient(ctx.link("streaming")),
                      fallbacks=lambda: ctx.config.resilience.fallbacks)
    return service_app(ctx, [routes(gateway)])
