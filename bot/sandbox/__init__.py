"""The sandbox: Escale, unchanged, against the Bot API emulator, played from a page in the browser.

`python -m bot sandbox` (and `make run` with no token) starts it: the emulator on an ephemeral
loopback port, Escale polling it on a clock the page can move forward, and a page on 127.0.0.1
where one plays the coordinator, a worker and the people they follow, side by side.
"""
