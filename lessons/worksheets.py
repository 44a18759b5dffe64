"""A game-day worksheet per lesson: predict, observe (copy the figures), explain; and a separate answer sheet.

    Worksheet(lesson, press, expect, observe, why, answers)
    WORKSHEETS: dict[lesson slug, Worksheet]

The answers say what the live kitchen shows in kind (which node changes state, which way a line moves),
never a number: the numbers are what the learner copies from the screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from lessons.teaching import (
    BARTENDER_KILL,
    CHEF_KILL,
    DEPLOY_BAD,
    GAME,
    MEASURE,
    MONOLITH_COPY,
    MONOLITH_KILL,
    MONOLITH_RESTART,
    RAIL_CHEF_KILL,
    RAIL_CHEF_RESTART,
    RAIL_MODE,
    RAIL_SELL_OUT,
    ROLLBACK,
    SPIKE_BOTH,
    TRIP_BREAKER,
    Control,
)


@dataclass(frozen=True)
class Worksheet:
    lesson: str
    press: list[Control]  # the experiment's controls, in the order the sheet uses them
    expect: str  # "What do you expect will happen when …?"
    observe: list[str]  # figures and words to copy from the page
    why: str
    answers: list[str]  # for the teacher: what a good sheet says (one per question, expect first, why last)


def _when(*controls: Control) -> str:
    return " then ".join(f"“{c.label}”" for c in controls)


WORKSHEETS: dict[str, Worksheet] = {s.lesson: s for s in [
    Worksheet("01_day_one", [MONOLITH_KILL, MONOLITH_RESTART, MONOLITH_COPY],
              f"What do you expect will happen to orders, drinks and bills when you press {_when(MONOLITH_KILL)}? "
              f"And to the memory in use when you press {_when(MONOLITH_RESTART, MONOLITH_COPY)}?",
              ["The kitchen's state in words, before and after", "What the answer to one order said after the crash",
               "Memory in use with one copy, and with two copies of the whole kitchen"],
              "Why did one failure stop every job?",
              ["Everything stops: one program does every job, so when it is gone nothing is served.",
               "Before: `up`; after: `down`. The order is refused because no process is listening. Memory grows by "
               "a whole kitchen's worth for each copy.",
               "Every job lives in the same process: one crash takes all of them, and the only way to do more of "
               "one job is to copy all of them."]),
    Worksheet("02_specialists", [BARTENDER_KILL, CHEF_KILL],
              f"Predict the answer to an order after {_when(BARTENDER_KILL)}, and after {_when(CHEF_KILL)}.",
              ["HTTP status and `degraded` / `failed` without the bartender",
               "HTTP status and `degraded` / `failed` without the chef", "Which node read `down` each time"],
              "Why does one missing station spoil only the drink, and the other the whole order?",
              ["Without the bartender the order still comes out without a drink; without the chef it cannot.",
               "Bartender gone: 200, `degraded` lists the bartender. Chef gone: 503, `failed` lists the chef. The "
               "killed station's node reads `down`; the others stay `up`.",
               "The waiter treats the drink as optional and the dish as required: each station fails on its own, "
               "and the caller decides what it can do without."]),
    Worksheet("03_streaming", [Control("03_streaming", "streaming-db", "Which service?")],
              "Pick a service and stop it. What will the home screen still show?",
              ["The service you stopped, and its node's state", "The home screen's HTTP status and `degraded` list",
               "Which database table you could still read, and which not"],
              "Why can the page be answered with a part missing, and when can it not?",
              ["Everything but the stopped service's part, unless that service is required (users).",
               "An optional service (billing, recommendations, streaming) gives 200 with it under `degraded`; users "
               "gives 503. The stopped service's tables cannot be read: its database is its own.",
               "The gateway asks each service separately and leaves out what an optional one failed to give; "
               "without users it does not know who is asking, so it refuses."]),
    Worksheet("04_scaling", [SPIKE_BOTH],
              f"When you press {_when(SPIKE_BOTH)}, which kitchen's p95 will climb, and what will you add to each?",
              ["p95 before the spike and at its worst, on each side", "The degraded share on the microservices side",
               "What each side had to add, and the memory that cost"],
              "Why is adding copies of one service cheaper than copying the whole program?",
              ["The monolith's p95 climbs; the microservices side slows or answers degraded. The monolith needs "
               "copies of the whole program, the microservices copies of recommendations only.",
               "The monolith's p95 rises while the spike is on and falls once enough copies are up. The "
               "microservices side waits, then answers fast but degraded once the gateway's breaker gives up on "
               "recommendations; with enough copies its answers are quick and whole again. Each copy of the "
               "monolith brings every part's memory along.",
               "Only recommendations is overloaded; copying it alone adds capacity where it is needed, while a "
               "monolith's copies carry idle logins, billing and video too."]),
    Worksheet("05_deploys", [DEPLOY_BAD, ROLLBACK],
              f"When you press {_when(DEPLOY_BAD)}, what will viewers notice, and who has to stop working?",
              ["The builds the billing node showed during the rollout", "What the home screen answered with v3 up",
               "How the node read after the rollback"],
              "Why could the billing team ship, break and fix its service without the streaming team?",
              ["Viewers keep watching; the home screen lacks the plan. Only the billing team acts.",
               "The node shows the old and the new build side by side while replicas are replaced one at a time. "
               "With v3, home screens are `degraded` without billing. After the rollback every replica runs v1.",
               "Billing is deployed on its own, behind its own API: the others neither rebuild nor restart."]),
    Worksheet("06_right_tool", [Control("06_right_tool", "tool-service", "Service")],
              "Pick a service. What do you expect its API to offer, and what does any other team need to know?",
              ["The paths the service publishes", "One path's request and answer",
               "What the code behind it says about how it is built"],
              "Why could this service be rewritten in another language without the others noticing?",
              ["Only its paths and the shape of their answers; nothing about its code.",
               "The live process lists its own paths and answers; the code is one small module.",
               "Callers depend on the HTTP contract, not on the code: any language that keeps the contract fits."]),
    Worksheet("07_premium", [MEASURE, TRIP_BREAKER, GAME],
              f"When you press {_when(MEASURE)}, how much slower do you expect the network call to be? What will "
              f"happen after {_when(TRIP_BREAKER)}?",
              ["The function call's time and the network call's time, as measured", "The breaker's state on billing",
               "In the game: the culprit you named, and what in the graph or trace gave it away"],
              "Why do microservices need timeouts, retries and breakers that a monolith does not?",
              ["Many times slower: a network call crosses processes. After five failures the breaker opens.",
               "The page shows both times measured on this machine, and their ratio. The breaker reads `open` and "
               "calls to billing fail at once, without being sent. The culprit's node changes state, and its spans "
               "carry the reason.",
               "Every call between services can be slow, fail or hit a service that is gone; a function call "
               "cannot. Each safeguard limits how far one service's trouble spreads."]),
    Worksheet("08_rail", [RAIL_MODE, RAIL_CHEF_KILL, RAIL_CHEF_RESTART, RAIL_SELL_OUT],
              f"With the rail switched on, what will happen to new orders after {_when(RAIL_CHEF_KILL)}? And when "
              f"you press {_when(RAIL_CHEF_RESTART)}?",
              ["What one order's answer said (HTTP status) with the chef away", "The chef's backlog at its highest",
               "The backlog after the chef came back, and the count of dishes cooked twice",
               "An order's steps after “Sell out the pasta”"],
              "Why can the waiter keep taking orders with the chef gone, and why is every dish still cooked once?",
              ["Orders are still taken (202) and their tickets wait on the rail; after the restart they drain.",
               "202 taken; the chef's queue shows the tickets waiting, then falls to 0 once the chef is up; the count "
               "finds no dish cooked twice. A sold-out pasta is paid, refused by the kitchen, then refunded.",
               "The ticket is stored on the rail (and in the waiter's outbox) until a chef confirms it, and each "
               "station keeps one row per ticket, so a ticket delivered again is recognised. The cost: the guest "
               "does not know at once whether the dish will come."]),
    Worksheet("09_real_world", [Control("09_real_world", "world-send", "Home screen from the microservices"),
                                Control("09_real_world", "world-monolith-send", "Home screen from the monolith twin")],
              "How many processes do you expect one home screen to go through, as microservices and as a "
              "monolith?",
              ["Processes and spans counted from the microservices' trace", "The same from the monolith twin's trace"],
              "What does each extra process cost a company, and when is that worth paying?",
              ["Several (the gateway and each service it asks) against one.",
               "The microservices' trace has spans from several processes; the monolith's from one.",
               "Each process is something to run, watch, secure and pay for: worth it when parts must scale or "
               "ship on their own, as they did for large companies that split later."]),
    Worksheet("10_summary", [Control("10_summary", "summary-billing-kill", "Stop billing")],
              "Before you press “Stop billing”, write what the home screen will answer, in one sentence.",
              ["The home screen's HTTP status and `degraded` list", "Billing's node state"],
              "In your own words: what is the microservice premium?",
              ["200, with billing under `degraded`.", "200 with `degraded: [\"billing\"]`; billing reads `down`.",
               "What splitting costs: network calls that are slow and can fail, more processes to run and pay "
               "for, and the safeguards and tracing needed to live with that."]),
]}
