"""What the waiter takes from guests and brings back."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mini_services.services.bartender.models import Glass
from mini_services.services.cashier.models import Bill
from mini_services.services.chef.models import Plate
from mini_services.services.dishwasher.models import CleanPlate


class OrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: int = Field(ge=1, le=100)
    dish: str = Field(min_length=1, max_length=40)
    drink: str | None = Field(None, min_length=1, max_length=40)


class Order(BaseModel):
    order_id: str
    table: int
    dish: str
    drink: str | None
    idempotency_key: str
    served: dict  # what each station handed over: plate, glass, clean plate
    bill: Bill | None
    degraded: list[str]  # stations that could not help with this order


class Served(BaseModel):
    plate: Plate
    glass: Glass | None
    clean_plate: CleanPlate | None


class Step(BaseModel):
    """One station's part of a rail order, as that station's own database has it."""

    station: Literal["cashier", "chef", "bartender"]
    status: Literal["waiting", "done", "failed", "refunded", "charged"]
    detail: str  # in words
    at: float | None  # when it happened (epoch s)


class RailOrder(BaseModel):
    """An order passed on the rail: where it is now, and each station's part."""

    order_id: str
    status: Literal["taken", "paid", "cooking", "ready", "served", "refunded", "failed"]
    table: int
    dish: str
    drink: str | None
    taken_at: float
    steps: list[Step]
