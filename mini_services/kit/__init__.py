"""What every service shares: knobs, delays, capacity, tracing, calls between services, storage.

    replica.py   process entry: build one service's app, serve it on the socket it was handed
    app.py       the app factory: /health, /_kitchen/config, and the middleware stack
                 tracing (edge) -> faults (slow / fail) -> capacity (workers, queue, shed)
    knobs.py     every chaos knob and resilience switch, in one documented place
    delay.py     the one helper for every simulated delay
    calls.py     Link: how one service calls another (HTTP with load balancing, timeouts,
                 retries, circuit breaker) or, in the monolith, a plain function call
    tracing.py   OpenTelemetry set-up, the server-span middleware, the client-span helper
    store.py     each service's own SQLite file, with idempotent writes
"""
