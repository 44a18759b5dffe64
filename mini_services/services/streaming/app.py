"""The Video streaming service: where to fetch the video this viewer was watching."""

from fastapi import APIRouter, FastAPI, HTTPException, Path

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.streaming.models import Playback
from mini_services.services.streaming.store import VideoStore


class Video:
    """The domain logic (the monolith calls this object directly)."""

    def __init__(self, store: VideoStore):
        self.store = store

    async def playback(self, user_id: int) -> Playback:
        row = self.store.continue_watching(user_id)
        if row is None:
            raise HTTPException(404, f"user {user_id} has nothing to continue watching")
        return Playback(user_id=user_id, title_id=row["title_id"], title=row["title"],
                        url=f"/videos/{row['title_id']}/manifest.m3u8", resume_at_s=row["position_s"])


def routes(video: Video) -> APIRouter:
    router = APIRouter(tags=["streaming"])

    @router.get("/playback/{user_id}")
    async def playback(user_id: int = Path(ge=1)) -> Playback:
        """The link to resume this viewer's video."""
        return await video.playback(user_id)

    return router


def build(ctx: ReplicaContext) -> Video:
    return Video(VideoStore(ctx.db_path("streaming")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    video = build(ctx)
    return service_app(ctx, [routes(video)], video.store.db.tables)
