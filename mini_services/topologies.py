"""Which services make up each kitchen, who calls whom, and each station's capacity.

Capacity model: a replica has ``workers`` slots; each request holds one for ``service_ms``
(the simulated work). Requests beyond the free slots wait in a queue (latency grows, like
tickets piling up on the rail); beyond ``queue_limit`` waiting they are shed with a 503.

The monolith twin is held to the same model, honestly: one program does every step of one
request itself, so a request holds one of its ``monolith_workers`` slots for the *sum* of every
station's service time. The one-cook restaurant has one pair of hands (one worker, ~50 ms an
order: about 20 orders a second, so a 30-a-second rush builds a queue); the streaming monolith
has as many workers as its busiest part (recommendations: 2) and ~58 ms a home screen.
"""

from __future__ import annotations

from dataclasses import dataclass

MONOLITH = "monolith"


@dataclass(frozen=True)
class Station:
    name: str
    role: str  # one line a learner reads
    calls: tuple[str, ...] = ()  # the services this one calls
    optional: bool = True  # can the entry request be answered without it?
    workers: int = 4
    service_ms: float = 2.0
    queue_limit: int = 64
    has_database: bool = True
    broker: bool = False  # the rail: a real nats-server process, not one of our Python services


@dataclass(frozen=True)
class Topology:
    name: str
    gateway: str
    stations: tuple[Station, ...]
    entry_method: str
    entry_path: str
    entry_body: dict | None = None
    monolith_workers: int = 1  # how many requests the monolith twin works on at once
    monolith_queue_limit: int = 64

    @property
    def monolith_capacity(self) -> Station:
        """The monolith twin: one program doing every station's work for each request, one request per worker."""
        return Station(MONOLITH, "everything in one program",
                       workers=self.monolith_workers, queue_limit=self.monolith_queue_limit,
                       service_ms=sum(s.service_ms for s in self.stations))

    @property
    def service_names(self) -> list[str]:
        return [s.name for s in self.stations]

    def station(self, name: str) -> Station:
        for s in self.stations:
            if s.name == name:
                return s
        raise KeyError(name)


STREAMING = Topology(
    name="streaming",
    gateway="gateway",
    stations=(
        Station("gateway", "API gateway: routes each request to the right service",
                calls=("users", "recommendations", "billing", "streaming"), optional=False,
                workers=64, service_ms=0.0, queue_limit=512, has_database=False),
        Station("users", "logins and profiles", optional=False, workers=8, service_ms=2.0),
        # the one that buckles on Valentine's Day: few workers, slow "model inference"
        Station("recommendations", "what to watch next", workers=2, service_ms=50.0, queue_limit=40),
        Station("billing", "plans, card charges, subscription status", workers=4, service_ms=4.0),
        Station("streaming", "video playback links", workers=8, service_ms=2.0),
    ),
    entry_method="GET",
    entry_path="/api/home?user_id=7",
    monolith_workers=2,  # as many as its busiest part: 2 x 58 ms is ~34 home screens a second
)

RESTAURANT = Topology(
    name="restaurant",
    gateway="waiter",
    stations=(
        Station("waiter", "takes the order, passes tickets, brings the plate",
                calls=("chef", "bartender", "cashier", "dishwasher"), optional=False,
                workers=64, service_ms=0.0, queue_limit=512),
        # one order's steps add up to 50 ms: the one cook (1 worker) manages about 20 orders a second
        Station("chef", "cooks the dish", optional=False, workers=2, service_ms=30.0, queue_limit=40),
        Station("bartender", "pours the drink", workers=4, service_ms=8.0),
        Station("cashier", "writes the bill", optional=False, workers=4, service_ms=6.0),
        Station("dishwasher", "hands out a clean plate", workers=4, service_ms=6.0),
        # the ticket rail: a real message broker (NATS JetStream); tickets wait on it until a station takes them
        Station("rail", "the ticket rail: holds each ticket until a station takes it", workers=0, service_ms=0.0,
                has_database=False, broker=True),
    ),
    entry_method="POST",
    entry_path="/api/orders",
    entry_body={"table": 3, "dish": "pasta", "drink": "lemonade"},
    monolith_workers=1,  # one cook, one order at a time
)

TOPOLOGIES: dict[str, Topology] = {t.name: t for t in (STREAMING, RESTAURANT)}
ARCHITECTURES = ("microservices", "monolith")
