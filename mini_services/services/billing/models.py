"""What the Billing service takes and answers."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PlanName = Literal["basic", "standard", "premium"]


class ChargeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int = Field(ge=1)
    plan: PlanName


class Charge(BaseModel):
    charge_id: str
    user_id: int
    plan: str
    amount_cents: int
    idempotency_key: str
    created_at: str


class Subscription(BaseModel):
    user_id: int
    plan: str
    status: str  # "active" or "none"
    monthly_cents: int
