"""Bills the cashier writes."""

from pydantic import BaseModel, ConfigDict, Field


class BillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64)
    items: list[str] = Field(min_length=1, max_length=10)


class Bill(BaseModel):
    bill_id: str
    order_id: str
    items: list[str]
    total_cents: int
    idempotency_key: str
