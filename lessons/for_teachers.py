"""How the teacher's pages draw the plans, the worksheets and the glossary (app_pages/ stay thin).

    step_lines(step)       one plan step as markdown (the controls by page and label)
    worksheet_html(sheet)  a printable game-day form, or its answer sheet
    PRINT_CSS              print only the sheet: no menu, no buttons, no scroll box
"""

from __future__ import annotations

import html

from lessons.render import LESSONS, TITLES
from lessons.teaching import CONTROL_ROOM, PLANS, Control, Scenario, Step, lessons_left_out
from lessons.worksheets import WORKSHEETS, Worksheet

# Streamlit draws the page inside a scrolling box under a header and beside a sidebar; paper needs none of them
PRINT_CSS = """<style>
@page { size: A4; margin: 14mm; }
@media print {
  header, [data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stBottom"], .no-print,
  .stElementContainer:has(.no-print), [data-testid="stElementContainer"]:not(:has(.sheet)) { display: none !important; }
  html, body, #root, [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"], .stMain,
  [data-testid="stMainBlockContainer"] { overflow: visible !important; height: auto !important;
    position: static !important; padding: 0 !important; margin: 0 !important; max-width: none !important; }
  .sheet { font-size: 11pt; }
}
.sheet h1 { font-size: 1.5rem; margin: 0 0 .2rem; padding: 0; }
.sheet h2 { font-size: 1.1rem; margin: 1rem 0 .3rem; padding: 0; }
.sheet .who { display: flex; gap: 2rem; margin: .5rem 0 1rem; }
.sheet .who span { flex: 1; border-bottom: 1px solid #444; padding-bottom: .2rem; }
.sheet .line { border-bottom: 1px solid #666; height: 1.9rem; }
.sheet table { border-collapse: collapse; width: 100%; }
.sheet td, .sheet th { border: 1px solid #666; padding: .35rem .5rem; text-align: left; vertical-align: top; }
.sheet td.blank { height: 2.2rem; width: 22%; }
.sheet .answer { background: #f3f4f6; border-left: 4px solid #c2410c; padding: .4rem .7rem; margin: .3rem 0; }
</style>"""


def where(control: Control | Scenario) -> str:
    """Where a teacher finds a control, in words: "Lesson 4 · … → “Start the spike on both”"."""
    if isinstance(control, Scenario):
        return f"Control room → scenario “{control.name}”"
    page = "Control room" if control.page == CONTROL_ROOM else TITLES[control.page]
    suffix = f" ({control.key.split('-', 1)[1]})" if control.page == CONTROL_ROOM and control.label in (
        "Kill", "Restart") else ""
    once_used = f" (“{control.later[-1]}” once used)" if control.later else ""
    return f"{page} → “{control.label}”{suffix}{once_used}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}" if minutes >= 60 else f"{minutes}:00"


def step_lines(step: Step) -> str:
    lines = [f"**{_clock(step.start)}–{_clock(step.start + step.minutes)}** · {step.say}"]
    if step.press:
        lines.append("- **Press:** " + "; then ".join(where(c) for c in step.press))
    if step.see:
        lines.append(f"- **The class sees:** {step.see}")
    if step.ask:
        lines.append(f"- **Ask:** {step.ask}")
    return "\n".join(lines)


def _lines(n: int) -> str:
    return "".join('<div class="line"></div>' for _ in range(n))


def worksheet_html(sheet: Worksheet, answers: bool) -> str:
    """The game-day form for one lesson (predict, observe, explain), or the teacher's answer sheet."""
    e = html.escape
    title = TITLES[sheet.lesson]
    kind = "Answer sheet (for the teacher)" if answers else "Worksheet"
    parts = [f'<div class="sheet"><h1>{e(title)}</h1><div>{kind} · Microservices Kitchen</div>']
    if not answers:
        parts.append('<div class="who"><span>Name:</span><span>Date:</span></div>')
    controls = ", ".join(f"“{e(c.label)}”" for c in sheet.press)
    parts.append(f"<p>The experiment: on the lesson's page, use {controls}. Fill in part 1 before you press.</p>")
    parts.append(f"<h2>1. What do you expect will happen?</h2><p>{e(sheet.expect)}</p>")
    parts.append(f'<div class="answer">{e(sheet.answers[0])}</div>' if answers else _lines(3))
    parts.append("<h2>2. What did the graph and the trace show? (copy the figures and words)</h2>")
    if answers:
        parts.append(f'<div class="answer">{e(sheet.answers[1])}</div>')
        parts.append("<p>The learners' figures come from their own kitchen and differ from one machine to another; "
                     "check their direction and their words, not the exact numbers.</p>")
    else:
        rows = "".join(f'<tr><td>{e(item)}</td><td class="blank"></td><td class="blank"></td></tr>'
                       for item in sheet.observe)
        parts.append(f"<table><tr><th>What</th><th>Before</th><th>After</th></tr>{rows}</table>")
    parts.append(f"<h2>3. Why?</h2><p>{e(sheet.why)}</p>")
    parts.append(f'<div class="answer">{e(sheet.answers[-1])}</div>' if answers else _lines(4))
    parts.append("</div>")
    return "".join(parts)


def every_control() -> list[Control]:
    """Every control the plans name (the worksheets' too), each once."""
    named = [c for _, steps in PLANS.values() for s in steps for c in s.press if isinstance(c, Control)]
    named += [c for sheet in WORKSHEETS.values() for c in sheet.press]
    return list(dict.fromkeys(named))


def every_scenario() -> list[Scenario]:
    return list(dict.fromkeys(c for _, steps in PLANS.values() for s in steps for c in s.press
                              if isinstance(c, Scenario)))


def _listed(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:-1])) + (" and " if len(numbers) > 1 else "") + str(numbers[-1])


def plan_coverage(steps: list) -> str | None:
    """Which lessons a plan uses and which it leaves for another class, in a sentence (None: it uses none, or all)."""
    used, left = lessons_left_out(steps, LESSONS)
    if not used or not left:
        return None
    return (f"It uses lesson{'s' if len(used) > 1 else ''} {_listed(used)}; lesson{'s' if len(left) > 1 else ''} "
            f"{_listed(left)} {'are' if len(left) > 1 else 'is'} left for another class (each has its worksheet).")
