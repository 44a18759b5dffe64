"""What the User service answers."""

from pydantic import BaseModel


class User(BaseModel):
    id: int
    name: str
    email: str
    country: str
