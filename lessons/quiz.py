"""The summary quiz: questions as data, feedback on every choice, answers kept per learner.

    QUESTIONS: list[Question]  ── id, prompt, choices, answer (index), feedback (one per choice)
        │
    render_quiz(learner, store)
        ├── per question: st.radio (nothing preselected) + "Check" button (on_click records the answer)
        ├── the checked answer's feedback: st.success (right) / st.error (wrong), also after a reload;
        │   after a wrong one, the right answer and why (st.info)
        └── "N of M right"
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lessons.progress import LearnerStore


@dataclass(frozen=True)
class Question:
    """One multiple-choice question; ``feedback[i]`` says why ``choices[i]`` is right or wrong."""

    id: str
    prompt: str
    choices: list[str]
    answer: int
    feedback: list[str]


QUESTIONS: list[Question] = [
    Question(
        "monolith", "In software, what is a monolith?",
        ["One program that holds login, payments, profiles and video all together",
         "Many small services that talk to each other over a network",
         "A very large server computer",
         "A database that every service shares"],
        0,
        ["Right: like the one cook on day one, a single program does every job, and it is deployed as one piece.",
         "That is the opposite: many small independent services are microservices, the specialists of the kitchen.",
         "A monolith is about how the code is organised, not how big the machine is; it can run on a laptop.",
         "A shared database is not what makes a monolith; it is one program that does every job itself."],
    ),
    Question(
        "valentines-scaling",
        "On Valentine's Day everyone searches for romance. What should the streaming service add more copies of?",
        ["Every service: users, recommendations, billing and streaming",
         "Only the Recommendation service",
         "Only Billing, because more people will subscribe",
         "Nothing: make the one big server faster instead"],
        1,
        ["That is what a monolith is forced to do; with microservices you pay only for the part that is busy.",
         "Right: only Recommendations is overloaded, so only it gets more replicas while Billing stays as it is.",
         "Billing is untouched by the spike: people are searching for films, not changing their plan.",
         "A bigger machine has a ceiling and speeds up everything equally; scaling out just the busy service is "
         "cheaper and goes further."],
    ),
    Question(
        "billing-down", "Billing is down. What does the home page (GET /api/home) answer?",
        ["A 500 error: one broken service breaks the whole page",
         "Nothing: it waits until Billing comes back",
         "200 with the rest of the page, marked \"degraded\": [\"billing\"]",
         "A 503: every service is required for the home page"],
        2,
        ["The gateway treats Billing as optional, so its failure must not turn into an error for the whole page.",
         "Waiting forever would freeze the page; with timeouts the gateway gives up on Billing quickly.",
         "Right: people can still log in and watch; only the billing part is missing for now, and the answer "
         "says so.",
         "Only a required service such as Users makes the page fail with 503; Billing is optional."],
    ),
    Question(
        "idempotency-key",
        "A charge timed out and the gateway retries it. Why does the retry carry an idempotency key?",
        ["To encrypt the card number on its way to Billing",
         "So Billing recognises the repeat and answers with the first charge instead of charging twice",
         "To make the retry reach Billing faster",
         "To choose which Billing replica gets the request"],
        1,
        ["Encryption is the job of HTTPS; the key is just a label for one intended charge.",
         "Right: the first try may have succeeded before the reply got lost; the same key makes the retry safe.",
         "The key does nothing for speed; it only lets Billing spot a request it has already handled.",
         "The load balancer picks the replica; every replica shares Billing's database, so any one sees the key."],
    ),
    Question(
        "circuit-breaker", "What does a circuit breaker do?",
        ["It restarts a service that has crashed",
         "It spreads requests evenly over a service's replicas",
         "After repeated failures it stops calling that service for a while and fails fast, then tries one call",
         "It blocks users who send too many requests"],
        2,
        ["Restarting is the job of a supervisor (self-healing); a breaker only changes how callers behave.",
         "Spreading requests is the load balancer's job, not the breaker's.",
         "Right: callers stop waiting on a service that is clearly down, and it gets room to recover.",
         "That is rate limiting; a circuit breaker protects callers from a failing service, not from users."],
    ),
    Question(
        "tracing", "What is distributed tracing for?",
        ["Following one request through every service it touched, to see where it got slow or failed",
         "Copying each service's database to the others",
         "Working out the monthly cloud bill",
         "Logging a user into every service at once"],
        0,
        ["Right: one trace id travels with the request, and each hop adds a timed span to a shared picture.",
         "Each service owns its own database; tracing records timings of calls, not data.",
         "Tracing measures requests, not costs, though it does help you find wasteful calls.",
         "That would be single sign-on; tracing is about finding where a request went and how long each step took."],
    ),
    Question(
        "rail-chef-away",
        "Orders go on a rail (a message queue) and the chef is away for a minute. What happens to new orders?",
        ["They fail at once: no chef, no order",
         "They are taken; their tickets wait on the rail and are cooked, each once, when the chef returns",
         "The waiter waits at the stove until the chef is back",
         "They are cooked twice when the chef returns, to catch up"],
        1,
        ["That is what a direct call does; with a rail the waiter only needs the ticket to be kept safe.",
         "Right: the backlog grows while the chef is away and drains when the chef is back; the chef's notebook "
         "keeps one line per ticket, so a ticket handed over twice is still cooked once.",
         "Waiting is exactly what a message saves the waiter from: the answer is \"taken\", and the waiter moves on.",
         "An idempotent consumer recognises a ticket it has already handled, so nothing is cooked twice."],
    ),
    Question(
        "saga-refund",
        "The guest has paid, then the chef finds the pasta has run out. In a saga, what happens next?",
        ["The shared database rolls back the payment",
         "Nothing: the guest has paid, so the order stays paid",
         "The cashier runs a compensating step, a refund, and for a moment the bill and the kitchen disagree",
         "The waiter retries the order until pasta is delivered"],
        2,
        ["Each station keeps its own database, so there is no shared transaction to roll back.",
         "Money taken for a dish that never comes is exactly what the saga's cancelling step prevents.",
         "Right: each step has a step that cancels it; in between, the stations disagree, and then agree again "
         "(eventual consistency).",
         "Retrying cannot make pasta appear; the saga undoes the payment instead."],
    ),
    Question(
        "when-not-to-message",
        "Which of these should NOT be a message left on a queue?",
        ["Telling the guest at the door whether a table is free right now",
         "Passing the cooking order to the kitchen",
         "Sending a receipt by e-mail after the meal",
         "Telling the dishwasher that a table has been cleared"],
        0,
        ["Right: the guest must know now, so ask directly and wait for the answer (with a timeout).",
         "Cooking can happen a little later and the waiter need not wait for it: a good fit for a message.",
         "A receipt can arrive a few seconds later, and the e-mail service may be away: a good fit for a message.",
         "Nobody waits on the dishwasher's answer: a message lets the waiter go on."],
    ),
    Question(
        "when-not-to-split",
        "A three-person startup with a handful of users is building its first product. Should it start with "
        "microservices?",
        ["Yes: Netflix and Amazon use them, so it is the professional way",
         "Yes: network calls between services are faster than function calls",
         "No: start with one program and split later, when parts need to scale or deploy on their own",
         "Yes: microservices always make the cloud bill smaller"],
        2,
        ["Netflix and Amazon split because they grew huge; a tiny team would pay the same premium with no benefit.",
         "It is the other way round: a function call takes nanoseconds, a network call far longer and it can fail.",
         "Right: like Uber, begin as a monolith and split when growth makes the microservice premium worth paying.",
         "More services mean more processes, networking and monitoring, so the bill usually grows."],
    ),
]


def _radio_key(question: Question) -> str:
    return f"quiz-{question.id}"


def _check(question: Question, learner: str, store: LearnerStore) -> None:
    choice = st.session_state.get(_radio_key(question))
    st.session_state[f"quiz-unpicked-{question.id}"] = choice is None
    if choice is not None:
        store.record_answer(learner, question.id, int(choice), correct=int(choice) == question.answer)


def render_quiz(learner: str, store: LearnerStore) -> None:
    """Every question with a "Check" button, the feedback on the checked choice, and the score."""
    answers = store.answers(learner)
    for number, question in enumerate(QUESTIONS, start=1):
        stored = answers.get(question.id)
        stored_choice = stored["choice"] if stored and stored["choice"] < len(question.choices) else None
        st.subheader(f"{number}. {question.prompt}")
        st.radio("Your answer", options=range(len(question.choices)), format_func=question.choices.__getitem__,
                 index=stored_choice, key=_radio_key(question), label_visibility="collapsed")
        st.button("Check", key=f"quiz-check-{question.id}", on_click=_check, args=(question, learner, store))
        if st.session_state.get(f"quiz-unpicked-{question.id}"):
            st.warning("Pick an answer first, then press Check.")
        elif stored_choice is not None:
            text = question.feedback[stored_choice]
            if stored_choice == question.answer:
                st.success(text, icon=":material/check_circle:")
            else:  # they have tried: now the right answer, and why
                st.error(f"Not quite. {text}", icon=":material/close:")
                st.info(f"The right answer: **{question.choices[question.answer]}**. "
                        f"{question.feedback[question.answer]}", icon=":material/lightbulb:")
    right = sum(1 for q in QUESTIONS if answers.get(q.id, {}).get("choice") == q.answer)
    answered = sum(1 for q in QUESTIONS if q.id in answers)
    st.markdown(f"**Score: {right} of {len(QUESTIONS)} right** ({answered} of {len(QUESTIONS)} answered)")
