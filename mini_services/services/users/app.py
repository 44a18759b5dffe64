"""The User service: logins and profiles. One route: who is user N?"""

from fastapi import APIRouter, FastAPI, HTTPException, Path

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.services.users.models import User
from mini_services.services.users.store import UserStore

MAX_USER_ID = 2**31 - 1  # SQLite's integers stop at 2**63 - 1; a bigger id is a 422, never a 500 (node/users.js too)


class Users:
    """The domain logic (the monolith calls this object directly)."""

    def __init__(self, store: UserStore):
        self.store = store

    async def get(self, user_id: int) -> User:
        row = self.store.get(user_id)
        if row is None:
            raise HTTPException(404, f"there is no user {user_id}")
        return User(**row)


def routes(users: Users) -> APIRouter:
    router = APIRouter(tags=["users"])

    @router.get("/users/{user_id}")
    async def get_user(user_id: int = Path(ge=1, le=MAX_USER_ID)) -> User:
        """One user's profile."""
        return await users.get(user_id)

    return router


def build(ctx: ReplicaContext) -> Users:
    return Users(UserStore(ctx.db_path("users")))


def create_app(ctx: ReplicaContext) -> FastAPI:
    users = build(ctx)
    return service_app(ctx, [routes(users)], users.store.db.tables)
