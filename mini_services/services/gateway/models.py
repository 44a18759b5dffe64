"""What the API gateway answers to the outside world."""

from pydantic import BaseModel

from mini_services.services.billing.models import Charge, Subscription
from mini_services.services.recommendations.models import Title
from mini_services.services.streaming.models import Playback
from mini_services.services.users.models import User


class Home(BaseModel):
    """The home screen: everything one page of the app needs, from four services."""

    user: User
    recommendations: list[Title]
    recommendations_source: str  # "personal", or "popular" when the gateway fell back
    subscription: Subscription | None
    playback: Playback | None
    degraded: list[str]  # optional services that failed for this request


class SubscriptionAnswer(Charge):
    degraded: list[str] = []
