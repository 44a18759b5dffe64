"""The live experiment of each lesson: buttons that change a real kitchen, and the live view to watch it.

    common.py      act() for button callbacks, the cost meter
    restaurant.py  lessons 1-2 (the one-cook monolith, the brigade of specialists)
    streaming.py   lessons 3, 5, 6 (the streaming service, deploys, the right tool)
    scaling.py     lesson 4 (the same spike on the monolith twin and the microservices, side by side)
    premium.py     lesson 7 (a function call against a network call, the switches, the detective game)
    idempotency.py lesson 7 (charge, lose the reply, retry: with a key and without)
    rail.py        lesson 8 (tickets on a rail: the backlog, the outbox, the saga, the dead letter)
    wrapup.py      lessons 9-10 (one screen's processes counted; an answer checked on the live kitchen)
"""
