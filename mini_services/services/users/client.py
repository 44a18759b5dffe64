"""How other services call the User service."""

from mini_services.kit.calls import Link
from mini_services.services.users.models import User


class UsersClient:
    def __init__(self, link: Link):
        self.link = link

    async def get(self, user_id: int) -> User:
        return User.model_validate(await self.link.call("GET", f"/users/{user_id}"))
