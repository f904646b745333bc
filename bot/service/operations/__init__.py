"""What the engineer running Escale does from a shell: backups, restores, status, admin tasks.

Each subcommand of `python -m bot` that is not the bot itself lives here, one module each, and
returns an exit code; `bot/__main__.py` only dispatches to them.
"""
