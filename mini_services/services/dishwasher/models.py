"""Plates the dishwasher hands out."""

from pydantic import BaseModel, ConfigDict, Field


class PlateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64)


class CleanPlate(BaseModel):
    order_id: str
    plate_no: int
    washed_today: int
