"""Microservices Kitchen's live runtime: tiny real services on 127.0.0.1, and the control plane that runs them.

    streaming kitchen                               restaurant kitchen
    GET /api/home?user_id=7                          POST /api/orders {"table": 3, "dish": "pasta", "drink": "lemonade"}

            gateway                                           waiter
      ┌──────┬──┴────┬──────────┐                  ┌──────┬───┴─────┬──────────┐
    users  recommendations  billing  streaming    chef  bartender  cashier  dishwasher
    (required) (optional)  (optional) (optional)  (req.)  (optional)  (req.)  (optional)

    control plane  (python -m mini_services serve)  ── spawns and supervises ──▶  one process per replica
        ▲  spans over OTLP/HTTP from every process       pushes knobs + peers ──▶  /_kitchen/config
        └─ HTTP API: /cluster /services/{name}/... /traces /graph /load

Each service is a folder under ``services/`` (models, store, app, client), with its own
SQLite file. ``monolith.py`` wires the same domain code into one process. ``kit/`` is what
every service shares; ``control/`` is the control plane. No service imports the control plane.
"""
