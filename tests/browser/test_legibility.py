"""Accessible and legible on a projector, a laptop and a phone, measured in Debian's Chromium.

One app for the module, attached to the session's kitchens. ``walk`` opens every page once at 1920×1080 (axe-core,
screenshots), then narrows the same page to 1366×768 and 390×844; the tests read what it measured:

    walk ─▶ per page: axe violations · button labels cut at each size · the drawing's alt text
    test_control_room_*   the Control room itself: what fits one screen, the keyboard, the figures' text
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright import sync_api as playwright

from lessons.render import DRAWINGS, LESSONS, TITLES, drawing_text
from tests.browser.browser import ARGS, ARTIFACTS, CHROMIUM, running_app, svg_text_appears

# one worker runs this module: its module-scoped fixtures start once (pytest-xdist, --dist loadgroup)
pytestmark = pytest.mark.xdist_group("legibility")

PAGES = {"home": "", **{slug: slug[3:].replace("_", "-") for slug, _ in LESSONS}, "control_room": "control-room",
         "glossary": "glossary", "teachers": "for-teachers", "worksheets": "worksheets", "class_view": "class-view"}
OTHER_TITLES = {"home": "Microservices Kitchen", "control_room": "Control room", "glossary": "Glossary",
                "teachers": "For teachers", "worksheets": "Worksheets", "class_view": "Class view"}
SIZES = {"projector": (1920, 1080), "laptop": (1366, 768), "phone": (390, 844)}
SIDEBAR_NAV = "[data-testid=stSidebarNav]"
NOT_OURS = {"list", "listitem"}  # Streamlit's sidebar navigation: headings inside its <ul>

# Every element inside a visible button whose text is wider than its box (cut short, an ellipsis, "K…")
CUT_LABELS = """() => [...document.querySelectorAll('button, [role=button]')].filter(b => b.getClientRects().length)
  .flatMap(b => [b, ...b.querySelectorAll('*')].filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth)
  .map(e => `"${(b.innerText || b.getAttribute('aria-label') || '').trim()}": ${e.scrollWidth} px of text in ${e.clientWidth} px`))"""
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


@dataclass
class PageSeen:
    """What one page showed: axe-core's serious and critical findings in our markup, labels cut per size."""

    violations: list[str] = field(default_factory=list)
    cut: dict[str, list[str]] = field(default_factory=dict)
    drawing_alt: str | None = None


@pytest.fixture(scope="module")
def kitchens(streaming_kitchen, restaurant_kitchen, restaurant_monolith_kitchen, streaming_monolith_kitchen):
    """The session's four kitchens, as good as new for this module."""
    found = {"KITCHEN_CONTROL_URL": streaming_kitchen, "KITCHEN_RESTAURANT_URL": restaurant_kitchen,
             "KITCHEN_RESTAURANT_MONOLITH_URL": restaurant_monolith_kitchen,
             "KITCHEN_STREAMING_MONOLITH_URL": streaming_monolith_kitchen}
    for kitchen in found.values():
        kitchen.reset()
    return found


@pytest.fixture(scope="module")
def chromium():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def app_url(kitchens, chromium, tmp_path_factory):
    """The app on the session's kitchens."""
    with running_app(tmp_path_factory.mktemp("legible-app"), attach={n: k.url for n, k in kitchens.items()}) as app:
        yield app[0]


@contextlib.contextmanager
def opened(chromium, app_url: str, path: str, size: str = "projector"):
    """A new tab on one page of the app, once its script has run and its live parts have drawn."""
    width, height = SIZES[size]
    page = chromium.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(f"{app_url}/{path}")
        page.wait_for_selector("[data-testid=stMain] h1", timeout=60_000)
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
        page.wait_for_selector("[data-testid=stSkeleton]", state="detached", timeout=30_000)
        yield page
    finally:
        page.close()


def resize(page, size: str) -> None:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(f"() => window.innerWidth === {width}", polling=100)
    page.evaluate(SETTLED)


def serious_violations(page) -> list[str]:
    """axe-core's critical and serious findings, less Streamlit's own list markup in its sidebar navigation."""
    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] not in ("critical", "serious"):
            continue
        for node in violation["nodes"]:
            if violation["id"] in NOT_OURS and len(node["target"]) == 1 and page.evaluate(
                    "([target, nav]) => !!document.querySelector(target)?.closest(nav)", [node["target"][0], SIDEBAR_NAV]):
                continue
            found.append(f"{violation['id']} ({violation['impact']}) at {node['target']}: {node['html'][:120]}")
    return found


def go_to(page, name: str) -> None:
    """Open page ``name`` from the sidebar, as a learner does, and wait until its script has run."""
    path, title = PAGES[name], TITLES.get(name, OTHER_TITLES.get(name))
    nav = page.locator(f'{SIDEBAR_NAV} a[href$="/{path}"]' if path else f"{SIDEBAR_NAV} a")
    nav.first.click()
    page.wait_for_selector(f"[data-testid=stMain] h1:has-text({title!r})", timeout=60_000)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
    page.wait_for_selector("[data-testid=stSkeleton]", state="detached", timeout=30_000)


@pytest.fixture(scope="module")
def walk(chromium, app_url) -> dict[str, PageSeen]:
    """Every page once, from the sidebar: axe-core and a screenshot at 1920×1080, then button labels at each size."""
    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict[str, PageSeen] = {}
    with opened(chromium, app_url, "") as page:
        for name in PAGES:
            resize(page, "projector")
            go_to(page, name)
            seen[name] = one = PageSeen()
            if name in TITLES:
                page.wait_for_selector("[data-testid=stImage] img", timeout=10_000)
                one.drawing_alt = page.locator("[data-testid=stImage] img").first.get_attribute("alt")
            one.violations = serious_violations(page)
            page.screenshot(path=str(ARTIFACTS / f"legible-1920x1080-{name}.png"))
            for size in SIZES:
                resize(page, size)
                one.cut[size] = page.evaluate(CUT_LABELS)
                if name == "control_room" and size == "laptop":
                    page.screenshot(path=str(ARTIFACTS / "legible-1366x768-control_room.png"))
    return seen


def test_axe_core_finds_no_critical_or_serious_violation_in_our_markup_on_any_page(walk):
    found = {name: one.violations for name, one in walk.items() if one.violations}
    assert not found, "axe-core: " + "; ".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def test_every_lesson_drawing_says_in_words_what_it_shows(walk):
    for slug, _title in LESSONS:
        words = drawing_text(DRAWINGS / f"{slug}.svg")
        assert len(words.split()) >= 20, f"{slug}.svg needs a <desc> that says what it shows"
        assert walk[slug].drawing_alt == words, f"the {slug} drawing's alt text is its <desc>"


@pytest.mark.parametrize("size", SIZES)
def test_no_button_label_is_cut_short(walk, size):
    cut = {name: one.cut[size] for name, one in walk.items() if one.cut[size]}
    assert not cut, f"at {SIZES[size]}: " + "; ".join(f"{name}: {', '.join(c[:4])}" for name, c in cut.items())


def test_control_room_shows_the_graph_and_every_service_switch_on_one_projector_screen(chromium, app_url, kitchens):
    services = [s["name"] for s in httpx.get(f"{kitchens['KITCHEN_CONTROL_URL'].url}/cluster").json()["services"]]
    with opened(chromium, app_url, "control-room") as page:
        page.wait_for_selector(".st-key-control-room-graph .js-plotly-plot", timeout=15_000)
        page.evaluate(SETTLED)
        keys = ["control-room-graph"] + [f"{what}-{name}" for name in services
                                         for what in ("kill", "restart", "replicas", "latency", "errors")]
        boxes = page.evaluate("""keys => keys.map(key => { const e = document.querySelector('.st-key-' + key);
            if (!e) return [key, null]; const r = e.getBoundingClientRect(); return [key, [r.left, r.top, r.right, r.bottom]]; })""",
                              keys)
    outside = [f"{key} {box}" for key, box in boxes if box is None or box[0] < 0 or box[1] < 0 or box[2] > 1920 or box[3] > 1080]
    assert not outside, f"not on the 1920×1080 screen without scrolling: {outside}"


def test_control_room_every_control_is_reached_by_tab_and_has_a_name(chromium, app_url):
    with opened(chromium, app_url, "control-room") as page:
        controls = page.evaluate("""() => { const all = [...document.querySelectorAll(`[data-testid=stMain] :is(button,
            input:not([type=hidden]), [role=slider], [role=combobox], [role=spinbutton])`)]
            .filter(e => !e.disabled && e.tabIndex >= 0 && (e.getClientRects().length || e.type === 'range'));
            all.forEach((e, i) => e.dataset.legible = i); return all.length; }""")
        assert controls > 30, "the Control room's controls were found"
        reached: set[str] = set()
        for _ in range(controls * 3):
            page.keyboard.press("Tab")
            mark = page.evaluate("() => document.activeElement?.dataset.legible ?? null")
            if mark is not None:
                reached.add(mark)
            if len(reached) == controls:
                break
        missed = page.evaluate("""reached => [...document.querySelectorAll('[data-legible]')]
            .filter(e => !reached.includes(e.dataset.legible)).map(e => e.outerHTML.slice(0, 120))""", list(reached))
        assert not missed, f"never reached with Tab: {missed}"
        nameless = page.evaluate("""() => [...document.querySelectorAll('[data-legible]')].filter(e =>
            !(e.getAttribute('aria-label') || e.innerText.trim() || (e.labels && [...e.labels].some(l => l.innerText.trim()))
              || (e.getAttribute('aria-labelledby') || '').split(' ').some(id => document.getElementById(id)?.innerText.trim())))
            .map(e => e.outerHTML.slice(0, 120))""")
        assert not nameless, f"controls without a name to read out: {nameless}"
        for name in ("billing replicas", "billing slower by", "billing failing"):
            assert page.get_by_label(name, exact=True).count() == 1, f"a control named {name!r}"


GRAPH_TEXT = """key => [...document.querySelectorAll(`.st-key-${key} .js-plotly-plot svg text`)]
  .filter(t => t.textContent.trim() && t.getClientRects().length)
  .map(t => { const r = t.getBoundingClientRect();
              return {text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize),
                      box: [r.left, r.top, r.right, r.bottom]}; })"""
# the faults have reached the graph: a node's word for them, or an edge's share of errors above 0 %
FAULTS_SHOWN = """key => [...document.querySelectorAll(`.st-key-${key} svg text`)]
  .some(t => /slow|failing|[1-9][0-9]*\\s*% errors/.test(t.textContent))"""
PLOT_AREA = """key => { const chart = document.querySelector(`.st-key-${key} .js-plotly-plot .main-svg`);
  const area = document.querySelector(`.st-key-${key} .js-plotly-plot .nsewdrag`);
  return chart && area ? [area.getBoundingClientRect().width, chart.getBoundingClientRect().width] : null; }"""


def overlapping(texts: list[dict]) -> list[str]:
    """Pairs of text boxes that cover each other by more than a pixel each way."""
    pairs = []
    for i, one in enumerate(texts):
        for other in texts[i + 1:]:
            (l1, t1, r1, b1), (l2, t2, r2, b2) = one["box"], other["box"]
            if min(r1, r2) - max(l1, l2) > 1 and min(b1, b2) - max(t1, t2) > 1:
                pairs.append(f"{one['text']!r} over {other['text']!r}")
    return pairs


def figure_problems(page, size: str) -> list[str]:
    """What keeps the Control room's graph and waterfall from being read at ``size``, in a few words each."""
    graph, waterfall = page.evaluate(GRAPH_TEXT, "control-room-graph"), page.evaluate(GRAPH_TEXT, "control-room-waterfall")
    problems, at = [], "×".join(map(str, SIZES[size]))
    if pairs := overlapping(graph):
        problems.append(f"{at} graph: {len(pairs)} overlapping text pairs, e.g. {', '.join(pairs[:3])}")
    for where, texts in (("graph", graph), ("waterfall", waterfall)):
        if small := [t for t in texts if t["px"] < 14]:
            smallest = min(small, key=lambda t: t["px"])
            problems.append(f"{at} {where}: {len(small)} of {len(texts)} texts under 14 px, the smallest "
                            f"{smallest['px']:g} px ({smallest['text']!r})")
    area, chart = page.evaluate(PLOT_AREA, "control-room-waterfall")
    if area < chart / 2:
        problems.append(f"{at} waterfall: its bars get {area:.0f} px of its {chart:.0f} px")
    return problems


def test_control_room_graph_and_waterfall_text_is_legible(chromium, app_url, kitchens):
    """No two texts of the graph overlap, every text of graph and waterfall is at least 14 px, and the waterfall's
    bars get at least half its width: at 1920×1080 and at 1366×768, with traffic on every edge, one service slow
    and one failing (the longest edge labels)."""
    control = kitchens["KITCHEN_CONTROL_URL"]
    control.post("/load", {"rps": 8, "duration_s": 60})
    for service, faults in (("billing", {"latency_ms": 1000}), ("recommendations", {"error_rate": 0.3})):
        control.control.put(f"/services/{service}/faults", json=faults).raise_for_status()  # the longest labels
    problems: list[str] = []
    try:
        for size in ("projector", "laptop"):
            with opened(chromium, app_url, "control-room", size) as page:
                svg_text_appears(page, "p95", 10_000)  # edge labels: traffic has reached every edge
                page.wait_for_function(FAULTS_SHOWN, arg="control-room-graph", timeout=15_000, polling=100)
                page.wait_for_selector(".st-key-control-room-waterfall .js-plotly-plot .nsewdrag", timeout=10_000)
                page.evaluate(SETTLED)
                problems += figure_problems(page, size)
                page.screenshot(path=str(ARTIFACTS / f"legible-figures-{SIZES[size][0]}.png"))
    finally:
        control.reset()
    assert not problems, "; ".join(problems)
