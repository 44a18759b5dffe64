"""The control plane's request and answer bodies (its HTTP contract; extend, never rename)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from mini_services.kit.knobs import Faults
from mini_services.settings import settings

ReplicaState = Literal["starting", "up", "down", "stopping"]
VERSION_PATTERN = r"^[A-Za-z0-9._-]{1,32}$"


def _short_name(version: str) -> str:
    if not re.fullmatch(VERSION_PATTERN[1:-1], version):
        raise ValueError("a version is a short name: 1 to 32 letters (A-Z, a-z), digits, '.', '_' or '-', e.g. v2")
    return version


Version = Annotated[str, AfterValidator(_short_name), WithJsonSchema(
    {"type": "string", "pattern": VERSION_PATTERN, "minLength": 1, "maxLength": 32, "examples": ["v2"],
     "description": "a short name: 1 to 32 letters, digits, '.', '_' or '-'"})]


class ReplicaView(BaseModel):
    id: str
    pid: int | None
    port: int
    state: ReplicaState
    url: str
    version: str  # the build it runs
    language: str = "python"  # what its process runs on
    rss_mb: float | None = None  # measured memory of its process
    cpu_percent: float | None = None  # measured CPU since the previous /cluster read


class ServiceView(BaseModel):
    name: str
    role: str
    optional: bool
    calls: list[str]  # the services this one calls (the topology's edges, with or without traffic)
    desired_replicas: int
    version: str  # the build new replicas get (during a rolling deploy, some still run the old one)
    deploying: bool
    faults: Faults
    replicas: list[ReplicaView]


class Entry(BaseModel):
    method: str
    path: str
    body: dict | None = None


class Cluster(BaseModel):
    topology: str
    architecture: str
    gateway: str
    gateway_url: str
    entry: Entry
    self_healing: bool
    shared: bool  # served to a class: changes need the instructor's key
    services: list[ServiceView]
    game: bool = False  # a detective game is hiding a fault here (GET /game; the culprit is never shown)


class ScaleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replicas: int = Field(ge=0, le=settings.max_replicas, description="how many copies to run (0 stops it)")


class KillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replica: str | None = Field(None, description="one replica's id; leave out to kill them all")


class FaultsUpdate(BaseModel):
    """Fields left out keep their current value."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float | None = Field(None, ge=0, le=10_000)
    jitter_ms: float | None = Field(None, ge=0, le=10_000)
    error_rate: float | None = Field(None, ge=0, le=1)


class SelfHealing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool


class Span(BaseModel):
    span_id: str
    parent_id: str | None
    service: str
    replica: str | None
    name: str
    kind: str
    peer: str | None
    start_ms: float  # from the start of its trace
    duration_ms: float
    status: Literal["ok", "error"]
    error: str | None = None  # the reason in words: "connection refused", "circuit open: users not called"
    language: str | None = None  # of the process that made it (its telemetry.sdk.language)
    attempt: int | None = None  # on a call: which attempt this was ...
    attempts: int | None = None  # ... of how many allowed
    queued_ms: float | None = None  # an answer: how long it waited for a free worker of its station ...
    work_ms: float | None = None  # ... and the station's own work on it (simulated: its set time per request)


class Trace(BaseModel):
    trace_id: str
    name: str
    start_unix_ms: float
    duration_ms: float
    status: Literal["ok", "error"]
    degraded: list[str]
    spans: list[Span]


NodeState = Literal["up", "slow", "failing", "down", "starting", "recovering"]
BreakerState = Literal["closed", "half-open", "open", "off"]


class GraphNode(BaseModel):
    id: str
    state: NodeState = Field(description="from what the control plane knows now and the last ~2 s of spans")
    why: str = Field(description="the reason for the state, in words")
    replicas_up: int
    rps: float
    error_rate: float
    p50_ms: float | None
    p95_ms: float | None


class GraphEdge(BaseModel):
    source: str
    target: str
    breaker: BreakerState | None = Field(None, description="the worst of the callers' circuit breakers on this call")
    breaker_failures: int = Field(0, description="failures in a row the breaker has counted")
    calls: int
    rps: float
    error_rate: float
    p50_ms: float | None
    p95_ms: float | None


class Graph(BaseModel):
    window_s: float
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class LoadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rps: float = Field(gt=0, le=settings.load_max_rps, description="requests per second, sent open-loop")
    duration_s: float = Field(30, gt=0, le=settings.load_max_duration_s)


class HistoryPoint(BaseModel):
    t: int  # unix second
    answered: int  # successful answers finished in that second
    failed: int
    p95_ms: float | None  # of that second's answers
    degraded: int = 0  # of that second's answers, how many came without some optional service


class LoadStatus(BaseModel):
    running: bool
    rps: float
    duration_s: float
    elapsed_s: float
    target: Entry
    sent: int
    completed: int
    in_flight: int
    ok: int  # 200 with every service answering
    degraded: int  # 200 without some optional service
    failed: int  # anything else: 5xx, refused, timed out
    skipped: int  # ticks not sent because too many requests were still in flight
    statuses: dict[str, int]
    achieved_rps: float  # completions per second over the recent window (failures included)
    answered_rps: float = 0.0  # successful answers (200) per second over the recent window
    failed_rps: float = 0.0  # failures per second over the recent window
    p50_ms: float | None  # of the successful answers in the recent window
    p95_ms: float | None
    window_s: float
    degraded_share: float | None = None  # of the successful answers in the recent window, the share that was degraded
    run: int = 0  # how many times load was started (the counters above are this run's)
    totals: dict[str, int] = {}  # sent, ok, degraded, failed since the control plane started (never reset)
    history: list[HistoryPoint] = []  # a point a second over the last minute, across runs


class Messaging(BaseModel):
    """How the restaurant's waiter passes tickets: synchronous calls, or the rail (a message broker)."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["calls", "rail"]


class QueueFigures(BaseModel):
    """One queue on the rail, read from JetStream (its durable consumer, or the dead-letter stream)."""

    name: str
    pending: int  # tickets on the rail that no station has taken yet
    in_flight: int  # taken by a station, not acknowledged yet
    consumers: int  # replicas of the station sharing this queue's durable consumer (competing consumers)
    delivered: int  # deliveries so far, redeliveries included
    redelivered: int  # tickets handed out more than once, among those not yet acknowledged
    dead_lettered: int  # tickets of this queue moved to the dead-letter queue
    rate_in: float  # tickets a second arriving (over the last few seconds)
    rate_out: float  # tickets a second finished
    stale: bool | None = None  # the rail is down: these are its last figures ...
    as_of: float | None = None  # ... read then (epoch s)


class QueuesPoint(BaseModel):
    t: int  # unix second
    queues: dict[str, dict[str, int]]  # name -> {"pending", "in_flight"}


class QueuesHistory(BaseModel):
    window_s: int
    points: list[QueuesPoint]


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dish: str = Field(min_length=1, max_length=40)
    portions: int = Field(ge=0, le=100_000)
