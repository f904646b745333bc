"""The worker's topics before a meeting, in Telegram: the draft, and the person's answers.

Every press and every awaited text is checked again against the database: a worker acts only
on their own draft for a person they still follow, a person only on a topic sent to them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.accounts.store import Account
from bot.context import Caller, EscaleContext, Role
from bot.core import callbacks
from bot.core.callbacks import TopicAction
from bot.core.notices import NoticeKind
from bot.general.common_handlers import Buttons, Handler, answer, anyone, replace_buttons, requires
from bot.general.conversation_store import NEGOTIATION, TOPICS, Asked
from bot.general.views import stale_button
from bot.negotiation import topics
from bot.negotiation import topics_views as views
from bot.negotiation.topics_store import Reply, Topic, TopicList
from bot.outbox.store import Notice, Outgoing
from bot.preparation import views as preparation_views

log = logging.getLogger(__name__)

TEXT_WAIT = timedelta(hours=1)


@requires(Role.WORKER)
async def topics_command(update: Update, context: EscaleContext, caller: Caller) -> None:
    """/topics: pick a person and propose topics for their next meeting."""
    people = await context.services.repo.people_of(caller.id)
    await answer(update, context, views.choose_person(caller.t, people))


async def _person_of(context: EscaleContext, caller: Caller, person_id: int) -> Account | None:
    person = await context.services.repo.account(person_id)
    return person if person is not None and person.worker_id == caller.id else None


async def _begin(
    update: Update,
    context: EscaleContext,
    caller: Caller,
    person: Account,
    preparation_id: int | None,
) -> None:
    svc = context.services
    topic_list = await svc.topics.start(person.user_id, caller.id, preparation_id, svc.clock.now())
    await _await(context, caller, "tp_topics", topic_list.id)
    await answer(update, context, views.ask_topics(caller.t, person.known_as))


@requires(Role.WORKER)
async def from_brief(update: Update, context: EscaleContext, caller: Caller) -> None:
    """*Topics I would like to add*, pressed under a brief this worker received."""
    query = update.callback_query
    assert query is not None and context.matches
    prepared = await context.services.preparations.get(int(context.matches[0][1]))
    person = (
        await _person_of(context, caller, prepared.person_id)
        if prepared is not None and prepared.worker_id == caller.id
        else None
    )
    if prepared is None or person is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await _begin(update, context, caller, person, prepared.id)


@requires(Role.WORKER)
async def person_chosen(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and context.matches
    person = await _person_of(context, caller, int(context.matches[0][1]))
    if person is None:
        await query.answer(stale_button(caller.t))
        return
    await query.answer()
    await _begin(update, context, caller, person, None)


async def _await(context: EscaleContext, caller: Caller, purpose: str, target: int) -> None:
    await context.ask(Asked(purpose, context.services.clock.now(), target_id=target))


async def _draft_of(
    context: EscaleContext, caller: Caller, list_id: int
) -> tuple[TopicList, Account] | None:
    """The caller's own draft, for a person they still follow."""
    if not caller.has(Role.WORKER):
        return None
    topic_list = await context.services.topics.get(list_id)
    if topic_list is None or topic_list.worker_id != caller.id or topic_list.status != "draft":
        return None
    person = await _person_of(context, caller, topic_list.person_id)
    return (topic_list, person) if person is not None else None


@anyone
async def pressed(update: Update, context: EscaleContext, caller: Caller) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    svc, t = context.services, caller.t
    parsed = callbacks.parse_topic(query.data)
    if parsed is None:  # an action no button makes
        await query.answer(stale_button(t))
        return
    list_id, action, topic_id = parsed
    if action.on_draft:
        owned = await _draft_of(context, caller, list_id)
        if owned is None:
            await query.answer(stale_button(t))
            return
        await query.answer()
        topic_list, person = owned
        if action is TopicAction.MORE:
            await _await(context, caller, "tp_topics", list_id)
            await answer(update, context, views.ask_topics(t, person.known_as))
        elif action is TopicAction.WORD:
            await _await(context, caller, "tp_word", list_id)
            await answer(update, context, views.ask_word(t, person.known_as))
        elif action is TopicAction.SEND:
            await _send(update, context, caller, topic_list, person)
        elif await svc.topics.drop(list_id, caller.id):
            await context.stop_asking(NEGOTIATION)
            await replace_buttons(update, context, views.dropped(t))
        return
    topic = await _topic_for(context, caller, list_id, topic_id)
    if topic is None:
        log.info("topic button refused user=%s", caller.id)
        await query.answer(stale_button(t))
        return
    if topic.reply is not None:
        await query.answer(views.already_answered(t))
        return
    await query.answer()
    if action is TopicAction.COMMENT:
        await _await(context, caller, "tp_comment", topic.id)
        await answer(update, context, views.ask_comment(t))
        return
    reply: Reply = "ok" if action is TopicAction.OK else "not_now"
    if await _reply(context, caller, list_id, topic, reply, None):
        await replace_buttons(update, context, views.reply_label(t, reply))


async def _topic_for(
    context: EscaleContext, caller: Caller, list_id: int, topic_id: int | None
) -> Topic | None:
    """A topic of a list sent to the caller, who must be a person."""
    if topic_id is None or not caller.has(Role.PERSON):
        return None
    topic_list = await context.services.topics.get(list_id)
    if topic_list is None or topic_list.person_id != caller.id or topic_list.status != "sent":
        return None
    return next((x for x in topic_list.topics if x.id == topic_id), None)


async def _reply(
    context: EscaleContext,
    caller: Caller,
    list_id: int,
    topic: Topic,
    reply: Reply,
    comment: str | None,
) -> bool:
    svc = context.services
    topic_list = await svc.topics.get(list_id)
    assert topic_list is not None and caller.account is not None
    worker_id = topic_list.worker_id
    notices: list[Notice] = []
    # Told only to a worker who still follows the person (not one they were moved from).
    if worker_id is not None and caller.account.worker_id == worker_id:
        data = {"person": caller.id, "topic": topic.id}
        notices.append(Notice(worker_id, NoticeKind.TOPIC_REPLY, data))
    if not await svc.topics.reply(topic.id, caller.id, reply, comment, notices, svc.clock.now()):
        return False
    log.info("topic answered id=%s", topic.id)
    svc.deliver()
    return True


async def _send(
    update: Update, context: EscaleContext, caller: Caller, topic_list: TopicList, person: Account
) -> None:
    svc = context.services
    person_t = svc.translator_for(person)
    note = preparation_views.repeat_note(person_t)
    intro = views.intro(person_t, caller.name, topic_list.word, len(topic_list.topics))
    messages = [Outgoing(person.user_id, "text", intro.text, note)]
    for topic in topic_list.topics:
        buttons = views.topic_buttons(person_t, topic_list.id, topic.id)
        if topic.voice_file_id:
            caption = views.voice_caption(person_t)
            messages.append(
                Outgoing(
                    person.user_id, "voice", topic.voice_file_id, note, caption, buttons=buttons
                )
            )
        else:
            shown = views.topic_message(person_t, topic_list.id, topic)
            messages.append(preparation_views.notice(person_t, person.user_id, shown))
    if await svc.topics.send(topic_list.id, caller.id, messages, svc.clock.now()):
        await context.stop_asking(NEGOTIATION)
        log.info("topics sent list=%s count=%s", topic_list.id, len(topic_list.topics))
        svc.deliver()
        await replace_buttons(update, context, views.sent_footer(caller.t, person.known_as))
        await answer(update, context, views.sent(caller.t, person.known_as))


async def typed(
    update: Update, context: EscaleContext, caller: Caller, *, voice: str | None
) -> bool:
    """If the caller was asked for topics, a word or a comment, take this text (or voice)."""
    svc = context.services
    message = update.message
    text = (message.text or "").strip() if message and message.text else ""
    if message is None or (not text and voice is None):
        return False
    awaited = context.conversation.asked_for(TOPICS, svc.clock.now() - TEXT_WAIT)
    if awaited is None:
        return False
    if awaited.purpose == "tp_comment":
        if voice is not None:
            return False
        topic_list = await svc.topics.list_of_topic(awaited.target_id)
        topic = (
            await _topic_for(context, caller, topic_list.id, awaited.target_id)
            if topic_list
            else None
        )
        await context.stop_asking(NEGOTIATION)
        if topic is None or topic_list is None:
            return False
        if not topics.word_fits(text):
            await answer(update, context, views.too_long(caller.t, topics.WORD_MAX_LENGTH))
            return True
        if await _reply(context, caller, topic_list.id, topic, "comment", text):
            worker = await svc.repo.account(topic_list.worker_id or 0)
            name = worker.display_name if worker else ""
            await answer(update, context, views.thanks(caller.t, name))
        else:
            await answer(update, context, views.already_answered_reply(caller.t))
        return True
    owned = await _draft_of(context, caller, awaited.target_id)
    if owned is None:
        await context.stop_asking(NEGOTIATION)
        return False
    topic_list, person = owned
    if awaited.purpose == "tp_word" and voice is not None:
        return False
    if awaited.purpose == "tp_word":
        drafted = await topics.set_word(svc, topic_list.id, text)
    else:
        drafted = await topics.add(svc, topic_list.id, text, voice)
    if drafted.outcome is topics.Draft.TOO_LONG:
        await answer(update, context, views.too_long(caller.t, drafted.limit))
        return True
    if drafted.outcome is topics.Draft.FULL:
        await answer(update, context, views.full(caller.t, drafted.limit))
    await context.stop_asking(NEGOTIATION)
    after = await svc.topics.get(topic_list.id)
    assert after is not None
    await answer(update, context, views.draft(caller.t, after, person.known_as))
    return True


# What this feature answers: its commands and its buttons (bot/app.py registers them).
COMMANDS: dict[str, Handler] = {
    "topics": topics_command,
}
BUTTONS: Buttons = [
    (callbacks.pattern(callbacks.TOPICS_BRIEF, r"\d{1,12}"), from_brief),
    (callbacks.pattern(callbacks.TOPICS_PERSON, r"\d{1,18}"), person_chosen),
    (callbacks.TOPIC_PATTERN, pressed),
]
