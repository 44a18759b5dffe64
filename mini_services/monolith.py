"""The monolith twin: the very same domain code, wired together in one process.

Where a service would hold a client that calls another process over HTTP, the monolith
hands it the other part's object itself (a plain function call, traced as an INTERNAL span).
One process, one database file, one capacity: kill it and everything stops; scale it and
everything is copied.
"""

from fastapi import FastAPI

from mini_services.kit.app import ReplicaContext, service_app
from mini_services.kit.calls import Local
from mini_services.services.bartender.app import build as build_bartender
from mini_services.services.billing.app import build as build_billing
from mini_services.services.cashier.app import build as build_cashier
from mini_services.services.chef.app import build as build_chef
from mini_services.services.dishwasher.app import build as build_dishwasher
from mini_services.services.gateway.app import Gateway
from mini_services.services.gateway.app import routes as gateway_routes
from mini_services.services.recommendations.app import build as build_recommendations
from mini_services.services.streaming.app import build as build_video
from mini_services.services.users.app import build as build_users
from mini_services.services.waiter.app import Waiter
from mini_services.services.waiter.app import routes as waiter_routes
from mini_services.services.waiter.store import OrderBook


def create_app(ctx: ReplicaContext) -> FastAPI:
    """One app for the whole topology, behind the same entry routes as the gateway."""
    def fallbacks() -> bool:
        return ctx.config.resilience.fallbacks

    if ctx.topology == "streaming":
        users = build_users(ctx)
        gateway = Gateway(Local(users, "users"), Local(build_recommendations(ctx), "recommendations"),
                          Local(build_billing(ctx), "billing"), Local(build_video(ctx), "streaming"), fallbacks)
        return service_app(ctx, [gateway_routes(gateway)], users.store.db.tables)
    book = OrderBook(ctx.db_path("waiter"))
    waiter = Waiter(book, Local(build_chef(ctx), "chef"), Local(build_bartender(ctx), "bartender"),
                    Local(build_cashier(ctx), "cashier"), Local(build_dishwasher(ctx), "dishwasher"), fallbacks)
    return service_app(ctx, [waiter_routes(waiter)], book.db.tables)
