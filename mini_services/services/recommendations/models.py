"""What the Recommendation service answers."""

from pydantic import BaseModel, ConfigDict, Field


class Title(BaseModel):
    id: int
    name: str
    genre: str


class Recommendations(BaseModel):
    user_id: int
    titles: list[Title]
    source: str  # "personal" from this service; the gateway's fallback says "popular"


class WatchRequest(BaseModel):
    """A viewer watched a title (``POST /api/watch`` through the gateway)."""

    model_config = ConfigDict(extra="forbid")

    user_id: int = Field(ge=1, le=2**31 - 1)
    title_id: int = Field(ge=1, le=2**31 - 1)


class Watched(BaseModel):
    """One watch, as stored in the viewing history."""

    user_id: int
    title_id: int
    title: str
    watched_at: float
