"""Tickets the chef takes and plates the chef hands back."""

from pydantic import BaseModel, ConfigDict, Field


class CookTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64)
    dish: str = Field(min_length=1, max_length=40)


class Plate(BaseModel):
    order_id: str
    dish: str
    cooked_at: str
