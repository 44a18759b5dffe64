"""Drink orders the bartender takes and glasses handed back."""

from pydantic import BaseModel, ConfigDict, Field


class DrinkOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64)
    drink: str = Field(min_length=1, max_length=40)


class Glass(BaseModel):
    order_id: str
    drink: str
    left_in_stock: int
