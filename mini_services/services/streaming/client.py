"""How other services call the Video streaming service."""

from mini_services.kit.calls import Link
from mini_services.services.streaming.models import Playback


class VideoClient:
    def __init__(self, link: Link):
        self.link = link

    async def playback(self, user_id: int) -> Playback:
        return Playback.model_validate(await self.link.call("GET", f"/playback/{user_id}"))
