"""The live experiment of each lesson: buttons that change a real kitchen, and the live view to watch it.

    common.py      act() for button callbacks, the cost meter
    restaurant.py  lessons 1-2 (the one-cook monolith, the brigade of specialists)
    streaming.py   lessons 3-6 (the streaming service, scaling, deploys, the right tool)
    premium.py     lesson 7 (a function call against a network call, the switches, the detective game)
    wrapup.py      lessons 8-9
"""
