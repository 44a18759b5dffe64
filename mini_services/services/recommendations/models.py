"""What the Recommendation service answers."""

from pydantic import BaseModel


class Title(BaseModel):
    id: int
    name: str
    genre: str


class Recommendations(BaseModel):
    user_id: int
    titles: list[Title]
    source: str  # "personal" from this service; the gateway's fallback says "popular"
