"""The glossary: each term in our own words, the lesson that shows it live, and links from lesson text to it.

    TERMS: list[Term]  ── name, anchor, pattern (how lesson text says it), meaning, lesson (the slug that shows it)
        │
    link_terms(markdown, href)  ── a lesson's text with the first use of each term linked to its glossary entry

Lesson text is markdown; headings, code and existing links are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str
    anchor: str  # the heading's anchor on the glossary page
    pattern: str  # a regex (case-insensitive, on word boundaries) for how the lessons say it
    meaning: str
    lesson: str  # the lesson that shows it on the live kitchen

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w/-])(?:{self.pattern})(?![\w-])", re.IGNORECASE)


TERMS: list[Term] = [
    Term("Monolith", "monolith", r"monoliths?",
         "One program that does every job of the system: logins, payments, cooking, all in one process, built and "
         "shipped as one piece. Simple to start with; it scales and fails as one.", "01_day_one"),
    Term("Microservices", "microservices", r"microservices?",
         "A system split into small programs, each owning one job and its own data, talking over the network. "
         "Each can be scaled, deployed and broken on its own.", "02_specialists"),
    Term("Monolith twin", "monolith-twin", r"monolith twins?",
         "In this app: the same services' code wired into one process, so a lesson can send the same requests "
         "to a monolith and to microservices and compare what they do.", "04_scaling"),
    Term("API gateway", "api-gateway", r"(?:api )?gateways?",
         "The one front door of a microservices system. It takes each outside request, asks the services it "
         "needs, and puts their answers together.", "03_streaming"),
    Term("Replica", "replica", r"replicas?",
         "One running copy of a service. More replicas of the same service share its work; killing one leaves "
         "the others serving.", "04_scaling"),
    Term("Load balancer", "load-balancer", r"load balanc(?:er|ers|ing)",
         "What hands each request to one of a service's replicas in turn, so the copies share the work.",
         "04_scaling"),
    Term("p50 and p95", "p50-and-p95", r"p50|p95",
         "Percentiles of response time over recent requests: p50 is the middle one (a typical request), p95 the "
         "one slower than 95 in 100 (the unlucky guests). An average hides the slow tail; p95 shows it.",
         "04_scaling"),
    Term("Rolling deploy", "rolling-deploy", r"rolling (?:deploy|deploys|deployment|update)",
         "Shipping a new build one replica at a time: start a new one, wait until it answers, retire an old one. "
         "Traffic keeps flowing, and a bad build can be rolled back before it replaces every copy.",
         "05_deploys"),
    Term("Timeout", "timeout", r"time-?outs?",
         "How long a caller waits for an answer before giving up. Without one, a hung service makes its callers "
         "hang too.", "07_premium"),
    Term("Retry", "retry", r"retry|retries|retried",
         "Sending a failed call again, in case the failure was brief. Safe only when doing the thing twice does "
         "no harm, or the callee can recognise the repeat.", "07_premium"),
    Term("Backoff", "backoff", r"back-?off",
         "Waiting a little longer before each retry (often with a random part), so callers do not hammer a "
         "service that is already struggling.", "07_premium"),
    Term("Circuit breaker", "circuit-breaker", r"circuit breakers?",
         "A caller's switch that opens after repeated failures: for a while it fails at once instead of calling, "
         "then lets one trial call through to see whether the service is back.", "07_premium"),
    Term("Fallback", "fallback", r"fallbacks?|degraded",
         "What a caller answers when an optional service fails: the rest of the page, marked degraded, "
         "instead of an error for the whole request.", "03_streaming"),
    Term("Idempotency key", "idempotency-key", r"idempotency[- ]keys?",
         "A label a client puts on one intended action (one charge, one order). A repeat with the same key gets "
         "the first answer back instead of doing the action twice, so retries are safe.", "07_premium"),
    Term("Trace and span", "trace-and-span", r"traces?|spans?|distributed tracing",
         "A trace follows one request through every service it touched; each step is a span with a start, a "
         "duration and an outcome. Drawn as a waterfall, it shows where the time went and where it failed.",
         "07_premium"),
    Term("Message queue", "message-queue", r"message queues?|work queues?",
         "A list of messages waiting to be handled. The sender pins a message on it and carries on; a receiver "
         "takes the next one when it is free. The restaurant calls it the rail.", "08_rail"),
    Term("Message broker", "message-broker", r"message brokers?|brokers?",
         "The program that keeps the queues: it stores each message (on disk, so a restart loses none), hands "
         "it to one receiver, and gives it to another if the first never confirms. Ours is NATS with JetStream.",
         "08_rail"),
    Term("Competing consumers", "competing-consumers", r"competing consumers?",
         "Several replicas taking messages from the same queue: each message goes to one of them, so more "
         "replicas drain a backlog faster.", "08_rail"),
    Term("Idempotent consumer", "idempotent-consumer", r"idempotent consumers?",
         "A receiver that remembers which messages it has already handled, so a message delivered twice (after "
         "a crash, say) does its work only once.", "08_rail"),
    Term("Outbox", "outbox", r"(?:transactional )?outbox(?:es)?",
         "A table in the sender's own database where it writes the message in the same transaction as its own "
         "change. A relay publishes it later, so a broker that is down loses nothing.", "08_rail"),
    Term("Saga", "saga", r"sagas?",
         "A piece of work spread over several services, each step in its own database, with an undo step for "
         "each one (refund the payment when the dish cannot be cooked) instead of one transaction across all.",
         "08_rail"),
    Term("Eventual consistency", "eventual-consistency", r"eventual(?:ly)? consisten(?:cy|t)",
         "Each service owns its data, so for a moment they may disagree (paid, but not yet cooked); once the "
         "messages are handled, they agree.", "08_rail"),
    Term("Dead-letter queue", "dead-letter-queue", r"dead[- ]letter(?: queues?)?",
         "Where a message goes after failing several times, set aside so it does not block the queue, for a "
         "person to look at.", "08_rail"),
]
BY_ANCHOR = {t.anchor: t for t in TERMS}

# the parts of a markdown line that are not prose: code spans, links and images, bare URLs
_NOT_PROSE = re.compile(r"`[^`]*`|!?\[[^\]]*\]\([^)]*\)|<[^>]+>|https?://\S+")


def _prose_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each stretch of ``line`` that is plain prose."""
    spans, at = [], 0
    for m in _NOT_PROSE.finditer(line):
        spans.append((at, m.start()))
        at = m.end()
    spans.append((at, len(line)))
    return [(a, b) for a, b in spans if b > a]


def link_terms(markdown: str, href: Callable[[Term], str], terms: list[Term] = TERMS) -> str:
    """``markdown`` with the first use of each term in prose turned into a link to ``href(term)``.

    Longer names win where two overlap ("monolith twin" before "monolith"); headings and fenced code are skipped.
    """
    pending = sorted(terms, key=lambda t: -len(t.name))
    out, fenced = [], False
    for line in markdown.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced or line.lstrip().startswith(("#", "```")) or not pending:
            out.append(line)
            continue
        for term in list(pending):
            for start, end in _prose_spans(line):
                m = term.regex.search(line, start, end)
                if m:
                    line = f"{line[:m.start()]}[{m.group(0)}]({href(term)}){line[m.end():]}"
                    pending.remove(term)
                    break
        out.append(line)
    return "\n".join(out)


def linked_terms(markdown: str) -> list[str]:
    """The anchors of the glossary terms linked in ``markdown`` (for tests and the glossary's "used in")."""
    return re.findall(r"\]\([^)#]*#([a-z0-9-]+)\)", markdown)
