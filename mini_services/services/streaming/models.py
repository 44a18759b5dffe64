"""What the Video streaming service answers."""

from pydantic import BaseModel


class Playback(BaseModel):
    user_id: int
    title_id: int
    title: str
    url: str  # where the player fetches the video manifest
    resume_at_s: int
