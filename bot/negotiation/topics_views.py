"""The worker's topics before a meeting: the draft, what the person receives, their answers."""

from __future__ import annotations

from collections.abc import Sequence

from bot.accounts.store import PersonSummary
from bot.core import callbacks
from bot.core.callbacks import TopicAction
from bot.core.i18n import Translator
from bot.core.text import Reply, esc
from bot.negotiation.topics_store import Topic, TopicList

Buttons = list[list[tuple[str, str]]]


def topic_words(t: Translator, topic: Topic) -> str:
    """A topic as HTML: its text, or that it is a voice message."""
    return esc(topic.text) if topic.text else "🎤 " + t._("voice message")


def choose_person(t: Translator, people: Sequence[PersonSummary]) -> Reply:
    if not people:
        return Reply(t._("You do not follow anyone yet. /invite creates a link for a person."))
    return Reply(
        t._("For whom would you like to add topics?"),
        [[(p.known_as, callbacks.build(callbacks.TOPICS_PERSON, p.user_id))] for p in people],
    )


def ask_topics(t: Translator, person: str) -> Reply:
    return Reply(
        t._(
            "Which topics would you like to add for the meeting with {name}?\n"
            "Write one topic per line, in a few words. You can also send a voice message."
        ).format(name=esc(person))
    )


def ask_word(t: Translator, person: str) -> Reply:
    return Reply(t._("Write a short word for {name}.").format(name=esc(person)))


def too_long(t: Translator, limit: int) -> Reply:
    return Reply(
        t._("That is a bit long. Please use up to {limit} characters per line.").format(limit=limit)
    )


def full(t: Translator, limit: int) -> Reply:
    return Reply(t._("That makes {limit} topics: it is the most I can send.").format(limit=limit))


def draft(t: Translator, topic_list: TopicList, person: str) -> Reply:
    lid = topic_list.id
    lines = [t._("<b>Topics for {name}</b>").format(name=esc(person))]
    lines += [f"{n}. {topic_words(t, x)}" for n, x in enumerate(topic_list.topics, start=1)]
    if topic_list.word:
        lines += ["", t._("Your word: {word}").format(word=esc(topic_list.word))]
    lines += [
        "",
        "<i>"
        + t._(
            "{name} will say for each one: OK to talk about it, not this time, or a comment. "
            "Their preparation stays as they wrote it."
        ).format(name=esc(person))
        + "</i>",
    ]
    rows: Buttons = [
        [(t._("➕ More topics"), callbacks.topic(lid, TopicAction.MORE))],
        [(t._("💬 A word for {name}").format(name=person), callbacks.topic(lid, TopicAction.WORD))],
    ]
    if topic_list.topics:
        rows.append(
            [(t._("📨 Send to {name}").format(name=person), callbacks.topic(lid, TopicAction.SEND))]
        )
    rows.append([(t._("Cancel"), callbacks.topic(lid, TopicAction.DROP))])
    return Reply("\n".join(lines), rows)


def sent(t: Translator, person: str) -> Reply:
    return Reply(
        t._("Sent. I will tell you what {name} answers for each topic.").format(name=esc(person))
    )


def dropped(t: Translator) -> str:
    return t._("Cancelled: nothing was sent.")


def already_sent(t: Translator) -> str:
    return t._("This was already sent.")


# -- the person's side --------------------------------------------------------------------------


def intro(t: Translator, worker: str, word: str | None, count: int) -> Reply:
    text = t.n_(
        "{worker} would like to talk about one more topic at your meeting.",
        "{worker} would like to talk about {count} more topics at your meeting.",
        count,
    ).format(worker=esc(worker), count=count)
    text += "\n" + t._("You choose. Your preparation stays as you wrote it.")
    if word:
        text += "\n\n" + t._("{worker} says: {word}").format(
            worker=esc(worker), word="<i>" + esc(word) + "</i>"
        )
    return Reply(text)


def topic_buttons(t: Translator, list_id: int, topic_id: int) -> Buttons:
    return [
        [(t._("👍 OK to talk about it"), callbacks.topic(list_id, TopicAction.OK, topic_id))],
        [(t._("Not this time"), callbacks.topic(list_id, TopicAction.NOT_NOW, topic_id))],
        [(t._("💬 A comment"), callbacks.topic(list_id, TopicAction.COMMENT, topic_id))],
    ]


def topic_message(t: Translator, list_id: int, topic: Topic) -> Reply:
    return Reply(
        t._("Topic: {topic}").format(topic="<b>" + topic_words(t, topic) + "</b>"),
        topic_buttons(t, list_id, topic.id),
    )


def voice_caption(t: Translator) -> str:
    return t._("A topic, as a voice message. What do you think?")


def ask_comment(t: Translator) -> Reply:
    return Reply(t._("Write your comment in a few words."))


def reply_label(t: Translator, reply: str, comment: str | None = None) -> str:
    if reply == "ok":
        return t._("OK to talk about it")
    if reply == "not_now":
        return t._("Not this time")
    return t._("Comment: {comment}").format(comment=esc(comment or ""))


def thanks(t: Translator, worker: str) -> Reply:
    return Reply(t._("Thank you. {worker} will see your answer.").format(worker=esc(worker)))


def already_answered(t: Translator) -> str:
    return t._("You have already answered this topic.")


def reply_notice(
    t: Translator, person: str, topic: Topic, reply: str, comment: str | None
) -> Reply:
    return Reply(
        t._("{name} answered about the topic {topic}: {reply}").format(
            name=esc(person),
            topic="<b>" + topic_words(t, topic) + "</b>",
            reply="<i>" + reply_label(t, reply, comment) + "</i>",
        )
    )


def sent_footer(t: Translator, person: str) -> str:
    return t._("Sent to {name}").format(name=esc(person))


def already_answered_reply(t: Translator) -> Reply:
    return Reply(t._("You have already answered this topic."))
