"""The sandbox page's own words (its buttons, banner and hints), in the visitor's language."""

from __future__ import annotations

from bot.core.i18n import Translator


def page_strings(t: Translator) -> dict[str, str]:
    """Every label the page shows, by key; the page's script fills them in."""
    return {
        "title": t._("Escale sandbox"),
        # Translators: a short badge in capitals beside the sandbox's banner.
        "badge": t._("SANDBOX"),
        "banner": t._(
            "This is a sandbox. Nothing leaves this computer. The people here are not real."
        ),
        "clock": t._("Sandbox time"),
        "plus_hour": t._("+1 hour"),
        "plus_day": t._("+1 day"),
        "next_reminder": t._("Next reminder"),
        "no_reminder": t._("No reminder is planned."),
        "add_person": t._("Add a person"),
        "start_again": t._("Start again"),
        "start_again_confirm": t._(
            "Start again? Every chat and everything Escale keeps in the sandbox will be erased."
        ),
        "coordinator": t._("Coordinator"),
        "worker": t._("Worker"),
        "person": t._("Person"),
        "bot": t._("bot"),
        "message": t._("Message"),
        "send": t._("Send"),
        "menu": t._("Menu"),
        "no_commands": t._("No commands yet."),
        "record": t._("Record a voice message"),
        "stop_recording": t._("Stop and send"),
        "sample_voice": t._("Send the sample voice message"),
        "no_microphone": t._(
            "The microphone is not available here. You can send the sample voice message."
        ),
        "open_as": t._("Open this link as:"),
        "new_person": t._("A new person"),
        "cancel": t._("Cancel"),
        "first_name": t._("First name"),
        "language": t._("Telegram language"),
        "add": t._("Add"),
        "name_needed": t._("Please write a first name."),
        "too_long": t._("This message is too long for Telegram (4096 characters at most)."),
        "edited": t._("edited"),
        "download": t._("Download"),
        "offline": t._("The sandbox has stopped. Start it again with make run."),
        "restarted": t._(
            "The sandbox was restarted. Escale remembers everything; "
            "older messages are no longer shown here."
        ),
        "failed": t._("That did not work. Please try again."),
        "not_a_link": t._("This link does not open Escale."),
        "stale": t._("This button is no longer there."),
        "empty_chat": t._("No messages yet. Press Start or type /start."),
        "empty_coordinator": t._(
            "Start here. Press Start. Then choose /newworker in the Menu: it makes a link for "
            "a worker."
        ),
        "empty_worker": t._(
            "{name} starts by opening the link that the coordinator makes with /newworker."
        ),
        "empty_person": t._("{name} starts by opening an invitation link from the worker's chat."),
        "start": t._("Start"),
        "spoiler": t._("Hidden text: click to show it."),
    }
