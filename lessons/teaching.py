"""For the teacher: a 10-minute demo and a 45-minute lesson plan, as timed steps that name real controls.

    Control(page, key, label)   a widget on a page, by its Streamlit key: a test renders the page and checks
                                that the widget is there with this label, so the plans stay true when pages change
    Scenario(stem)              a shipped Control-room scenario, by file name (a test checks it ships)
    Step(start, minutes, say, press, see, ask)
    DEMO, LESSON_PLAN           list[Step]  (for_teachers.every_control() lists what they and the worksheets name)

Nothing here promises a figure: the steps say what kind of change the class will see, and the live pages
show the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTROL_ROOM = "control_room"


@dataclass(frozen=True)
class Control:
    page: str  # a lesson slug (lessons.render.LESSONS) or "control_room"
    key: str  # the widget's Streamlit key
    label: str  # what the widget says on the page
    later: tuple[str, ...] = ()  # what it says instead once used (e.g. "Play again")


@dataclass(frozen=True)
class Scenario:
    stem: str  # its file name in mini_services/scenarios/, as GET /scenarios lists it
    name: str  # its title, as the Control room's list shows it


@dataclass(frozen=True)
class Step:
    start: int  # minutes from the start of the class
    minutes: int
    say: str
    press: list[Control | Scenario] = field(default_factory=list)
    see: str = ""
    ask: str = ""


SEND_ONE = Control(CONTROL_ROOM, "send-one", "Send one request")
PLAY = Control(CONTROL_ROOM, "scenario-play", "Play")
RESET = Control(CONTROL_ROOM, "scenario-reset", "Reset")
KILL_BILLING = Control(CONTROL_ROOM, "kill-billing", "Kill")
RESTART_BILLING = Control(CONTROL_ROOM, "restart-billing", "Restart")
VALENTINE = Scenario("valentine", "Valentine's Day spike")
BAD_DEPLOY = Scenario("bad_deploy", "Bad deploy")

DEMO: list[Step] = [
    Step(0, 1, "Every box on the graph is a real program running on this laptop, each with its own database. "
               "The gateway is the front door: it asks the others and puts one page together.",
         [SEND_ONE], "The waterfall draws one home screen: the gateway's bar, and under it one bar per service it "
                     "asked.",
         "How many programs did that one click touch?"),
    Step(1, 2, "Now the billing team has a very bad day.",
         [KILL_BILLING], "Billing's node reads `down`. The home screen still answers: the answer lists billing "
                         "under `degraded`, and the waterfall shows the call to billing failing fast.",
         "Why does the page still load with a service gone? What part of it is missing?"),
    Step(3, 1, "Bring billing back.", [RESTART_BILLING],
         "Billing reads `starting`, then `up`; the next home screens have their plan again.",
         "Who would have had to restart in a monolith?"),
    Step(4, 3, "Valentine's Day: everyone looks for something romantic at once. Pick the scenario and play "
               "it; it narrates itself.", [VALENTINE, PLAY],
         "Its lines appear under the list as it goes. Recommendations turns `slow` or `failing` as its queue "
         "fills, and home screens come back without suggestions (`degraded`); the other services stay `up`. Then "
         "the scenario adds copies of recommendations only, and once they are up the degraded bars stop and "
         "the p95 line stays low.",
         "Which service would you copy, and why only that one? What would a monolith have had to copy?"),
    Step(7, 2, "One team ships a bad build while everyone else keeps working.", [BAD_DEPLOY, PLAY],
         "Billing's new build rolls out one replica at a time (the node shows both versions for a while); home "
         "screens come back without the plan until the team rolls back.",
         "Which teams had to stop and redeploy while billing fixed its mistake?"),
    Step(9, 1, "Heal everything, and ask what the split cost us.", [RESET],
         "Every node reads `up` again; the story rewinds.",
         "What did we pay for this flexibility? (More programs to run, and a network call where a function call "
         "used to be.)"),
]

MONOLITH_KILL = Control("01_day_one", "monolith-kill", "The cook trips: crash it")
MONOLITH_RESTART = Control("01_day_one", "monolith-restart", "Back on their feet: restart")
MONOLITH_COPY = Control("01_day_one", "monolith-copy", "Hire a copy of the whole kitchen")
BARTENDER_KILL = Control("02_specialists", "bartender-kill", "Send the bartender home (kill)")
CHEF_KILL = Control("02_specialists", "chef-kill", "Send the chef home (kill)")
SPIKE_BOTH = Control("04_scaling", "valentine", "Start the spike on both")
DEPLOY_BAD = Control("05_deploys", "deploy-bad", "Deploy billing v3 (a bad build)")
ROLLBACK = Control("05_deploys", "deploy-rollback", "Roll back to v1")
TRIP_BREAKER = Control("07_premium", "premium-trip", "Trip billing's breaker")
MEASURE = Control("07_premium", "premium-measure", "Measure both on this machine")
GAME = Control("07_premium", "game-start", "Hide a fault somewhere",
               later=("Start over with a new fault", "Play again"))
RAIL_MODE = Control("08_rail", "rail-mode", "Pin tickets on the rail (off: the waiter calls each station and waits)")
RAIL_CHEF_KILL = Control("08_rail", "rail-chef-kill", "Send the chef home (kill)")
RAIL_CHEF_RESTART = Control("08_rail", "rail-chef-restart", "Call the chef back (restart)")
RAIL_SELL_OUT = Control("08_rail", "rail-sell-out", "Sell out the pasta")

LESSON_PLAN: list[Step] = [
    Step(0, 5, "Day one: one cook does everything. Ask for a prediction before you press.", [MONOLITH_KILL],
         "Everything stops at once: no dish, no drink, no bill. The node reads `down`.",
         "Before: what will still work when the cook trips? After: why did nothing?"),
    Step(5, 3, "Get the cook back on their feet.", [MONOLITH_RESTART],
         "The kitchen reads `starting`, then `up`, and orders are taken again.",
         "What else had to restart with the cook?"),
    Step(8, 7, "The brigade: one process per station. Send a station home, then the other.",
         [BARTENDER_KILL, CHEF_KILL],
         "Without the bartender the order still comes out, marked `degraded`. Without the chef the waiter "
         "answers 503 and names the chef under `failed`.",
         "Why does one missing station spoil only the drink, and the other the whole order?"),
    Step(15, 10, "Valentine's Day on two kitchens side by side: the monolith twin and the microservices.",
         [SPIKE_BOTH],
         "The monolith's p95 climbs; the microservices side slows, then answers fast without recommendations "
         "(`degraded`). On the left you can only add copies of the whole program; on the right, copies of "
         "recommendations only. Each side shows what it had to add, measured.",
         "Which side needed more memory for the same relief, and why?"),
    Step(25, 7, "Ship a bad build of billing, then roll it back.", [DEPLOY_BAD, ROLLBACK],
         "The rollout goes one replica at a time; with v3 up, home screens come back without the plan. The "
         "rollback replaces it the same way.",
         "Who noticed the bad deploy, and who did not have to?"),
    Step(32, 8, "The premium: measure a function call against a network call, then trip a circuit breaker.",
         [MEASURE, TRIP_BREAKER],
         "The two measured times, side by side, from this machine. After five failures in a row the gateway's "
         "breaker on billing reads `open`, and calls to billing fail at once without being sent.",
         "What does a caller gain by not calling a service it knows is down?"),
    Step(40, 5, "Debrief with the detective game: hide a fault, let the class find it from the graph and the "
                "traces.", [GAME],
         "Something turns slow, failing or down; the class names the culprit and the page says whether "
         "they were right.",
         "What told you where to look first: the graph, or a trace?"),
]

PLANS: dict[str, tuple[str, list[Step]]] = {
    "demo": ("A 10-minute demo on the projector (Control room)", DEMO),
    "lesson": ("A 45-minute lesson (hypothesis, observe, debrief)", LESSON_PLAN),
}


def lessons_left_out(steps: list[Step], lessons: list[tuple[str, str]]) -> tuple[list[int], list[int]]:
    """(the lesson numbers a plan's steps press controls of, the lesson numbers it leaves for another class)."""
    pressed = {control.page for step in steps for control in step.press if isinstance(control, Control)}
    numbers = {slug: n for n, (slug, _title) in enumerate(lessons, start=1)}
    used = sorted(numbers[slug] for slug in pressed if slug in numbers)
    return used, [n for n in numbers.values() if n not in used]
