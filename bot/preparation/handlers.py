"""The preparation in Telegram: read the update, move the preparation, show where it stands.

A press is honoured only on the message that asks the current step of the presser's own open
preparation; anything else gets a short notice and, for its owner, the current question again.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta

from telegram import Message, Update, Voice
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.callbacks import StepAction
from bot.core.i18n import Translator
from bot.core.invisible import visible_text
from bot.core.text import NO_PREVIEW, Reply
from bot.core.updates import origin_of
from bot.general import handlers as general
from bot.general import views as general_views
from bot.general.common_handlers import (
    Buttons,
    Handler,
    answer,
    anyone,
    beside,
    replace_buttons,
    requires,
    send,
    show_in_place,
    worker_name,
)
from bot.general.conversation_store import ANYTHING, DATES
from bot.general.views import stale_button
from bot.outbox.store import Outgoing
from bot.preparation import brief, brief_views, views
from bot.preparation import flow as preparation
from bot.preparation.brief_model import BriefInput
from bot.preparation.dialogue.model import Dialogue, Kind
from bot.preparation.flow import Flow
from bot.preparation.store import Answer
from bot.service import moving_handlers as moving

log = logging.getLogger(__name__)


@requires(Role.PERSON)
async def prepare(update: Update, context: EscaleContext, caller: Caller) -> None:
    """/prepare or *Prepare my meeting*: start, or offer to resume the open preparation."""
    if update.callback_query:
        await update.callback_query.answer()
    await context.stop_asking(ANYTHING)  # text now answers questions
    flow, already_open = await preparation.begin(context.services, caller.id)
    if already_open:
        offer = await answer(update, context, views.resume_offer(caller.t, flow))
        await _current_message(context, caller, flow, offer)
        return
    log.info("preparation started id=%s", flow.id)
    await _welcome(update, context, caller)
    await ask(context, caller, flow)


async def _welcome(update: Update, context: EscaleContext, caller: Caller) -> None:
    svc = context.services
    meeting = await svc.meetings.next_for(caller.id, svc.clock.now())
    await answer(update, context, views.welcome(caller.t, meeting.at if meeting else None))


async def ask(context: EscaleContext, caller: Caller, flow: Flow) -> None:
    """Send the current step; remember its message so that older buttons go stale."""
    replies = await _screen(context, caller, flow)
    if flow.step.kind is Kind.REVIEW:  # one copy of the review in the chat, never more
        await _delete_review(context, caller, flow)
    sent = [await send(context, caller.id, reply) for reply in replies]
    review = [m.message_id for m in sent] if flow.step.kind is Kind.REVIEW else None
    await _current_message(context, caller, flow, sent[-1], review)


async def _screen(context: EscaleContext, caller: Caller, flow: Flow) -> list[Reply]:
    svc = context.services
    worker, preview = None, None
    if flow.step.kind is Kind.REVIEW:  # only the review names the worker and shows the brief
        assert caller.account is not None
        worker = await worker_name(context, caller)
        preview = await preparation.brief_input(svc, flow, caller.account)
    return views.screen(caller.t, flow, worker, preview)


async def _redraw_review(context: EscaleContext, caller: Caller, flow: Flow) -> None:
    """The review after a change: its messages edited in place; sent anew only if it no longer
    fits in as many messages, or if Telegram refuses the edit."""
    replies = await _screen(context, caller, flow)
    shown = preparation.review_messages(flow)
    if len(shown) != len(replies) or flow.preparation.message_id != shown[-1]:
        await ask(context, caller, flow)
        return
    for message_id, reply in zip(shown, replies, strict=True):
        try:
            await context.bot.edit_message_text(
                reply.text,
                chat_id=caller.id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=reply.markup,
                link_preview_options=NO_PREVIEW,
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                log.info("review not edited message=%s error=BadRequest", message_id)
                await ask(context, caller, flow)
                return
        except TelegramError as error:
            log.info("review not edited message=%s error=%s", message_id, type(error).__name__)
            await ask(context, caller, flow)
            return


async def _delete_review(context: EscaleContext, caller: Caller, flow: Flow) -> None:
    """Remove the review's messages from the chat (a newer copy replaces them)."""
    for message_id in preparation.review_messages(flow):
        try:
            await context.bot.delete_message(caller.id, message_id)
        except TelegramError as error:
            log.info("review not deleted message=%s error=%s", message_id, type(error).__name__)


async def _current_message(
    context: EscaleContext,
    caller: Caller,
    flow: Flow,
    message: Message,
    review: Sequence[int] | None = None,
) -> None:
    """Only `message`'s buttons act on the preparation now: the previous one's are removed.
    `review`: the messages that show the review, when it is what was sent."""
    svc = context.services
    scratch = preparation.showing_review(flow, review) if review is not None else None
    await svc.preparations.set_message(
        flow.id, flow.step.id, message.message_id, svc.clock.now(), scratch=scratch
    )
    old = flow.preparation.message_id
    if old and old != message.message_id:
        await _drop_buttons(context, caller.id, old)


async def _drop_buttons(context: EscaleContext, chat_id: int, message_id: int) -> None:
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as error:
        log.info("buttons not removed message=%s error=%s", message_id, type(error).__name__)


async def _show_answered(
    context: EscaleContext, caller: Caller, before: Flow, answer: Answer
) -> None:
    """The answered question keeps its text, shows the answer and loses its buttons."""
    message_id = before.preparation.message_id
    if message_id is None:
        return
    shown = brief_views.describe_answer(caller.t, before.step, answer, before.allies)
    try:
        await context.bot.edit_message_text(
            views.answered(caller.t, before, shown, answer),
            chat_id=caller.id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=NO_PREVIEW,
        )
    except TelegramError as error:
        log.info("answer not shown message=%s error=%s", message_id, type(error).__name__)


async def _moved(
    context: EscaleContext, caller: Caller, before: Flow, after: Flow | None, given: Answer | None
) -> None:
    """After a move: show what was given on the old question, then ask the new step."""
    if after is None:
        await _ask_again(context, caller)
        return
    # The old question's edit and the next question's send do not wait on each other.
    if given is not None:
        edit = _show_answered(context, caller, before, given)
    elif before.preparation.message_id:
        edit = _drop_buttons(context, caller.id, before.preparation.message_id)
    else:
        await ask(context, caller, after)
        return
    await beside(edit, ask(context, caller, after))


async def _ask_again(context: EscaleContext, caller: Caller) -> None:
    flow = await preparation.current(context.services, caller.id, caller.account)
    if flow is not None:
        await ask(context, caller, flow)


async def _give(context: EscaleContext, caller: Caller, flow: Flow, given: Answer) -> None:
    after = await preparation.give(context.services, flow, given)
    await _moved(context, caller, flow, after, given)


# -- messages ------------------------------------------------------------------------------------


async def text_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    """Free text: the answer to the current question, or, outside a preparation, help."""
    flow = await _open_flow(context, caller)
    if await _paused(update, context, caller, flow):
        return
    message = update.message
    if flow is None or message is None or message.text is None:
        await general.help_command(update, context)
        return
    text = visible_text(message.text).strip()
    if not text:  # nothing but invisible characters
        await ask(context, caller, flow)
        return
    if preparation.means_stopping(text, _stop_words(context)):
        held = await preparation.hold_typed(context.services, flow, text)
        if held is not None:
            offer = await answer(update, context, views.pause_offer(caller.t, held))
            await _current_message(context, caller, held, offer)
            return
    await _take_text(update, context, caller, flow, text)


def _stop_words(context: EscaleContext) -> list[str]:
    """Every language's words for stopping: people do not always type in their chosen language."""
    catalogs = context.services.catalogs
    return [w for lang in catalogs.languages for w in views.stop_words(catalogs.get(lang))]


async def _take_text(
    update: Update, context: EscaleContext, caller: Caller, flow: Flow, text: str
) -> None:
    """Typed text as the answer to the current step, or a kind word on why it is not one."""
    t, message = caller.t, update.message
    origin = origin_of(message, context.bot.id) if message is not None else None
    words = views.relation_words(t)
    taken = await preparation.take_text(context.services, flow, text, origin, words)
    match taken.what:
        case preparation.Typed.ANSWERED:
            await _moved(context, caller, flow, taken.flow, taken.answer)
        case preparation.Typed.TOO_LONG:
            await answer(update, context, views.too_long(t, len(text), taken.limit))
            await ask(context, caller, flow)
        case preparation.Typed.NAME_TOO_LONG:
            await answer(update, context, views.ally_name_too_long(t, taken.limit))
            await ask(context, caller, flow)
        case preparation.Typed.RELATION | preparation.Typed.NAMED:
            await ask(context, caller, taken.flow or flow)
        case preparation.Typed.ALLY_TO_CONFIRM if taken.flow is not None:
            offer = await answer(update, context, views.ally_confirm(t, taken.flow))
            await _current_message(context, caller, taken.flow, offer)
        case preparation.Typed.ALLY_TO_CONFIRM:
            await ask(context, caller, flow)
        case preparation.Typed.BUTTONS_ONLY:
            await answer(update, context, views.use_buttons(t))
            await ask(context, caller, flow)


@anyone
async def voice_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    """A voice message answers a free-text question; the worker will get the voice itself."""
    flow = await _open_flow(context, caller)
    if await _paused(update, context, caller, flow):
        return
    voice = update.message.voice if update.message else None
    if flow is None or voice is None:
        await general.not_text(update, context)
        return
    if not flow.step.accepts_text:
        await answer(update, context, views.use_buttons(caller.t))
        await ask(context, caller, flow)
        return
    assert update.message is not None, "a voice comes in a message"
    given = Answer(
        flow.step.id,
        voice_file_id=voice.file_id,
        voice_duration=_seconds(voice),
        origin=origin_of(update.message, context.bot.id),
    )
    await _give(context, caller, flow, given)


def _seconds(voice: Voice) -> int:
    """PTB 22 warns that `duration` will become a timedelta; accept both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        duration = voice.duration
    return int(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)


@anyone
async def other_received(update: Update, context: EscaleContext, caller: Caller) -> None:
    """A sticker, photo, document…: explained kindly, the question asked again."""
    flow = await _open_flow(context, caller)
    if await _paused(update, context, caller, flow):
        return
    if flow is None:
        await general.not_text(update, context)
        return
    message = update.message
    if flow.step.attachments and message and (message.photo or message.document):
        given = _attachment(flow.step.id, message, context.bot.id)
        if len(given.text or "") > flow.step.max_length:
            await answer(
                update,
                context,
                views.too_long(caller.t, len(given.text or ""), flow.step.max_length),
            )
            await ask(context, caller, flow)
            return
        await _give(context, caller, flow, given)
        return
    reply = (
        views.text_or_voice_only(caller.t)
        if flow.step.accepts_text
        else views.use_buttons(caller.t)
    )
    await answer(update, context, reply)
    await ask(context, caller, flow)


def _attachment(step_id: str, message: Message, bot_id: int) -> Answer:
    """A photo (its largest size) or a document, with its caption as the typed part (marked
    when it was forwarded)."""
    text = visible_text(message.caption or "").strip() or None
    origin = origin_of(message, bot_id)
    if message.photo:
        photo = message.photo[-1].file_id
        return Answer(step_id, text=text, file_id=photo, file_kind="photo", origin=origin)
    assert message.document is not None
    document = message.document
    return Answer(
        step_id,
        text=text,
        file_id=document.file_id,
        file_kind="document",
        file_name=document.file_name,
        origin=origin,
    )


@anyone
async def edited(update: Update, context: EscaleContext, caller: Caller) -> None:
    """An edit never changes an answer: say so and show where we are."""
    flow = await _open_flow(context, caller)
    if flow is None or flow.preparation.paused:
        await general.edited(update, context)
        return
    await answer(update, context, views.edit_ignored(caller.t))
    await ask(context, caller, flow)


async def _open_flow(context: EscaleContext, caller: Caller) -> Flow | None:
    """The caller's open preparation, read once for the update (not at all when the update
    found none)."""
    if not caller.has(Role.PERSON) or context.conversation.preparation_id is None:
        return None
    return await preparation.current(context.services, caller.id, caller.account)


async def _paused(
    update: Update, context: EscaleContext, caller: Caller, flow: Flow | None
) -> bool:
    """After /cancel a message is not an answer: say the preparation waits, and take nothing."""
    if flow is None or not flow.preparation.paused:
        return False
    await answer(update, context, general_views.preparation_paused(caller.t))
    return True


# -- buttons -------------------------------------------------------------------------------------


@anyone
async def step_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """A button of a question or of the review; checked against the preparation's row."""
    query = update.callback_query
    assert query is not None and query.data is not None
    found = callbacks.STEP_PATTERN.match(query.data)
    assert found is not None, "registered with this pattern"
    preparation_id, step_id, action, argument = (
        int(found[1]),
        found[2],
        found[3],
        found[4],
    )
    flow = await _open_flow(context, caller)
    message_id = query.message.message_id if query.message else None
    current = (
        flow is not None
        and flow.id == preparation_id
        and flow.step.id == step_id
        and flow.preparation.message_id in (None, message_id)
    )
    if flow is None or not current:
        log.info("stale step button user=%s", caller.id)
        if flow is None:
            await query.answer(stale_button(caller.t))
            return
        await query.answer(views.not_a_step_button(caller.t))
        await ask(context, caller, flow)
        return
    if flow.preparation.paused:  # a press on the current question carries on after /cancel
        await context.services.preparations.set_paused(caller.id, False)
    await context.stop_asking(ANYTHING)  # text now answers questions
    await _act(update, context, caller, flow, action, argument)


async def _act(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    flow: Flow,
    action: str,
    argument: str | None,
) -> None:
    query = update.callback_query
    assert query is not None
    svc, step, t = context.services, flow.step, caller.t
    if action == StepAction.GO:
        await query.answer()
        flow = await preparation.forget_typed(svc, flow)
        await replace_buttons(update, context, views.chosen_continue(t))
        await ask(context, caller, flow)
    elif action == StepAction.PAUSE:
        await query.answer()
        if await preparation.pause(svc, flow):
            await replace_buttons(update, context, views.chosen_later(t))
            await answer(update, context, general_views.preparation_paused(t))
    elif action == StepAction.MINE and (typed := preparation.typed(flow)) is not None:
        await query.answer()
        flow = await preparation.forget_typed(svc, flow)
        await replace_buttons(update, context, views.chosen_my_answer(t))
        await _take_text(update, context, caller, flow, typed)
    elif action == StepAction.NEW:
        await query.answer()
        restarted = await preparation.start_over(svc, caller.id, flow.id)
        if restarted is not None:
            await replace_buttons(update, context, views.chosen_start_over(t))
            await _welcome(update, context, caller)
            await ask(context, caller, restarted)
    elif (
        action == StepAction.OPTION
        and argument
        and step.option(argument)
        and step.kind is Kind.CHOICE
    ):
        await query.answer()
        await _give(context, caller, flow, Answer(step.id, text=argument))
    elif (
        action == StepAction.AGREED
        and argument
        and step.option(argument)
        and step.kind is Kind.AGREED
    ):
        await query.answer()
        after = await preparation.tell_outcome(svc, flow, argument)
        if after is not None and after.step.id == step.id:
            await _edit_in_place(update, context, views.question(t, after))
        else:
            given = after.answers.get(step.id) if after else None
            await _moved(context, caller, flow, after, given)
    elif (
        action == StepAction.VALUE
        and (value := preparation.score_of(step, argument or "")) is not None
    ):
        await query.answer()
        await _give(context, caller, flow, Answer(step.id, text=str(value)))
    elif action == StepAction.SKIP and step.skippable:
        await query.answer()
        await _give(context, caller, flow, Answer(step.id, skipped=True))
    elif action == StepAction.BACK:
        await query.answer()
        after = await preparation.back(svc, flow)
        if after is not None:
            await _moved(context, caller, flow, after, None)
    elif (
        action == StepAction.ACCEPT
        and step.kind is Kind.OWN_QUESTION
        and (proposal := flow.proposal(t))
    ):
        await query.answer()
        await _give(context, caller, flow, Answer(step.id, text=proposal))
    elif action == StepAction.FOR_THE_MEETING and step.kind is Kind.OWN_QUESTION:
        await query.answer()
        await _give(context, caller, flow, Answer(step.id, together=True))
    elif step.kind is Kind.JOKERS and action in (
        StepAction.JOKER,
        StepAction.NEW_JOKER,
        StepAction.RELATION,
        StepAction.CANCEL,
        StepAction.DONE,
        StepAction.ADD_NAME,
    ):
        await _jokers(update, context, caller, flow, action, argument)
    elif step.kind is Kind.REVIEW and action in (
        StepAction.HIDE,
        StepAction.EDIT,
        StepAction.SEND,
        StepAction.KEEP,
    ):
        await _review(update, context, caller, flow, action, argument)
    else:
        log.info("unexpected step action user=%s action=%s", caller.id, action)
        await query.answer(stale_button(t))


async def _jokers(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    flow: Flow,
    action: str,
    argument: str | None,
) -> None:
    query = update.callback_query
    assert query is not None
    svc = context.services
    await query.answer()
    if action == StepAction.DONE:
        after = await preparation.jokers_done(svc, flow)
        given = after.answers.get(flow.step.id) if after else None
        await _moved(context, caller, flow, after, given)
        return
    if action == StepAction.NEW_JOKER and flow.can_add_ally:
        await preparation.expect_ally_name(svc, flow)
        await answer(update, context, views.ally_name_prompt(caller.t))
        return
    if action == StepAction.ADD_NAME:
        confirmed = await preparation.confirm_ally(svc, flow)
        if confirmed is None:
            await _ask_again(context, caller)
            return
        await ask(context, caller, confirmed)  # who is this person to you?
        return
    if action == StepAction.JOKER and argument and argument.isdigit():
        after = await preparation.toggle_ally(svc, flow, int(argument))
    elif action == StepAction.RELATION and argument:
        after = await preparation.add_ally(svc, flow, argument)
    elif action == StepAction.CANCEL:
        after = await preparation.cancel_new_ally(svc, flow)
    else:
        after = None
    if after is None:
        await _ask_again(context, caller)
        return
    await _edit_in_place(update, context, views.question(caller.t, after))


async def _edit_in_place(update: Update, context: EscaleContext, reply: Reply) -> None:
    """The jokers question redrawn with the new choice; the row holds it even if this fails."""
    try:
        await show_in_place(update, reply)
    except TelegramError as error:
        log.info("message not edited error=%s", type(error).__name__)


async def _review(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    flow: Flow,
    action: str,
    argument: str | None,
) -> None:
    query = update.callback_query
    assert query is not None and caller.account is not None
    svc, t = context.services, caller.t
    if action == StepAction.HIDE and argument:
        await query.answer()
        after = await preparation.toggle_hidden(svc, flow, argument)
        await _redraw_review(context, caller, after or flow)
    elif action == StepAction.EDIT and argument:
        await query.answer()
        after = await preparation.edit(svc, flow, argument)
        if after is not None:  # the review comes back, once, when the answer is changed
            await _delete_review(context, caller, flow)
        await _moved(context, caller, flow, after, None)
    elif action == StepAction.SEND:
        await _send(update, context, caller, flow)
    elif action == StepAction.KEEP:
        await query.answer()
        if await preparation.keep(svc, flow):
            log.info("preparation kept id=%s", flow.id)
            chosen = replace_buttons(update, context, views.chosen_keep(t))
            await beside(chosen, answer(update, context, views.kept(t)))


async def _send(update: Update, context: EscaleContext, caller: Caller, flow: Flow) -> None:
    query = update.callback_query
    assert query is not None and caller.account is not None
    t = caller.t
    await query.answer()
    write = functools.partial(_brief_messages, dialogue=flow.dialogue)
    sent = await brief.send(context.services, flow, caller.account, write)
    match sent.outcome:
        case brief.Sending.NO_WORKER:
            await answer(update, context, views.no_worker(t))
        case brief.Sending.WORKER_PAUSED:
            assert sent.worker is not None
            await answer(update, context, views.worker_paused(t, sent.worker.display_name))
            await moving.tell_coordinators_waiting(context, caller.account, sent.worker)
        case brief.Sending.MOVED_ON:
            await _ask_again(context, caller)
        case brief.Sending.SENT:
            assert sent.worker is not None
            log.info("preparation sent id=%s parts=%s", flow.id, sent.messages)
            await replace_buttons(update, context, views.chosen_send(t, sent.worker.display_name))
            await answer(update, context, views.sent(t, sent.worker.display_name))


def _brief_messages(
    t: Translator, worker_id: int, preparation_id: int, data: BriefInput, *, dialogue: Dialogue
) -> list[Outgoing]:
    """The brief in the worker's words, as the outbox will send it."""
    parts = brief_views.render_brief(t, dialogue, data)
    return views.brief_messages(t, worker_id, preparation_id, parts)


@requires(Role.PERSON)
async def resume_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """*Continue where I stopped* on an invitation: the current question again, as it was."""
    query = update.callback_query
    assert query is not None and context.matches
    svc = context.services
    flow = await _open_flow(context, caller)
    if flow is None or flow.id != int(context.matches[0][1]):
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    if flow.preparation.paused:
        await svc.preparations.set_paused(caller.id, False)
    await context.stop_asking(DATES)  # text now answers questions
    log.info("preparation resumed from an invitation id=%s", flow.id)
    await replace_buttons(update, context, views.chosen_continue(caller.t))
    await ask(context, caller, flow)


@anyone
async def read_pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    """The worker has read a brief: the person is told once, and the button shows it."""
    query = update.callback_query
    assert query is not None and context.matches
    t, preparation_id = caller.t, int(context.matches[0][1])
    match await brief.read(context.services, caller, preparation_id):
        case brief.Reading.NOT_YOURS:
            await query.answer(stale_button(t))
            return
        case brief.Reading.ALREADY_READ:
            await query.answer(views.already_read(t))
        case brief.Reading.TOLD:
            await query.answer()
    try:
        await query.edit_message_reply_markup(
            Reply("", views.read_button(t, preparation_id, done=True)).markup
        )
    except TelegramError as error:
        log.info("read button not updated error=%s", type(error).__name__)


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "prepare": prepare,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.PREPARE), prepare),
    (callbacks.STEP_PATTERN, step_pressed),
    (callbacks.pattern(callbacks.READ, r"\d{1,12}"), read_pressed),
    (callbacks.pattern(callbacks.RESUME, r"\d{1,12}"), resume_pressed),
]
