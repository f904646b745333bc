"""The brief a worker receives once a person sends their preparation, in Telegram HTML.

Pure functions of the data the rules gathered (bot/preparation/brief_model.py); the caller
sends the parts. The brief is the person's
words, so every piece of their text is escaped, nothing they wrote is ever cut, a hidden answer
leaves no trace, and a long brief is split into messages Telegram accepts, each carrying the
brief's reference so a worker can tell the parts (and a possible repeat) apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.i18n import Translator
from bot.core.invisible import isolated
from bot.core.text import MESSAGE_BUDGET, esc, pack, shorten, utf16_length
from bot.preparation.brief_model import (
    BriefInput,
    BriefPart,
    FilePart,
    TextPart,
    VoicePart,
    in_brief_order,
)
from bot.preparation.dialogue.model import PREVIOUS, Dialogue, Kind, Step, placeholders
from bot.preparation.store import Ally, Answer, chosen_allies, json_list

SHORT_ANSWER = 200  # characters of typed text kept by describe_answer
NAME_MAX = 100  # characters of the person's name shown, so a header always fits
SPARKS = "▁▂▃▄▅▆▇█"
ORIGIN_MARKS = {"forwarded": "↪️ ", "via_bot": "🤖 "}  # before an answer someone else wrote


def render_brief(t: Translator, dialogue: Dialogue, brief: BriefInput) -> list[BriefPart]:
    """The brief as messages to send in order: its text parts, then the voice answers."""
    name = shorten(brief.person_name, NAME_MAX)
    sections: list[str] = []
    voices: list[VoicePart | FilePart] = []
    unaddressed: list[str] = []
    quiet: list[str] = []
    for step in in_brief_order(brief.steps):
        answer = brief.answers.get(step.id)
        if answer is not None and answer.hidden:
            continue
        if (answer is None or not answer.given) and not step.question_refers_back:
            unaddressed.append(esc(t._(step.label)))
            continue
        if answer is not None and _is_quiet(step, answer):
            quiet.append(
                t._("{label}: {answer}").format(
                    label=esc(t._(step.label)), answer=_choice(t, step, answer.text or "")
                )
            )
            continue
        sections.append(_section(t, dialogue, brief, step, answer))
        caption = t._("{label} — {name}").format(
            label=esc(t._(step.label)), name=isolated(esc(name))
        )
        if answer is not None and answer.given:
            caption = "\n".join([caption, *_origin_lines(t, answer, name), _ref(t, brief)])
        if answer is not None and answer.given and answer.voice_file_id:
            voices.append(VoicePart(answer.voice_file_id, caption))
        if answer is not None and answer.given and answer.file_id and answer.file_kind:
            voices.append(FilePart(answer.file_kind, answer.file_id, caption))
    folded = quiet + (
        [t._("Not addressed: {sections}").format(sections=", ".join(unaddressed))]
        if unaddressed
        else []
    )
    if not sections and not quiet:
        sections.append("<i>" + t._("Nothing is shared in this preparation.") + "</i>")
    if folded:
        sections.append("<i>" + " · ".join(folded) + "</i>")
    # Room for the longer of the two headers (the first part's is the full one).
    reserve = max(utf16_length(_top(t, brief, name, index, 99)) for index in (1, 2)) + 2
    chunks = pack(sections, MESSAGE_BUDGET - reserve)
    parts: list[BriefPart] = [
        TextPart(_top(t, brief, name, index, len(chunks)) + "\n\n" + chunk)
        for index, chunk in enumerate(chunks, start=1)
    ]
    return parts + voices


def _is_quiet(step: Step, answer: Answer) -> bool:
    option = step.option(answer.text or "") if step.kind is Kind.CHOICE else None
    return answer.given and option is not None and option.quiet and not answer.voice_file_id


def together(t: Translator) -> str:
    return "<i>" + t._("to put into words together") + "</i>"


def describe_answer(t: Translator, step: Step, answer: Answer, allies: Mapping[int, Ally]) -> str:
    """A short one-line HTML form of an answer, for under its question and in history lists."""
    if answer.skipped:
        return "<i>" + t._("I'd rather not") + "</i>"
    mark = ORIGIN_MARKS.get(answer.origin or "", "")
    if answer.voice_file_id:
        return mark + "🎤 " + t._("voice message")
    if answer.together:
        return together(t)
    if step.kind is Kind.AGREED:
        return "; ".join(agreed_lines(t, step, answer)) or _not_addressed(t)
    if answer.file_id and not (answer.text or "").strip():
        return mark + attachment(t, answer)
    text = " ".join((answer.text or "").split())
    if not text:
        return _not_addressed(t)
    if step.kind is Kind.CHOICE:
        return _choice(t, step, text)
    if step.kind is Kind.SCALE:
        return esc(_score(step, text))
    if step.kind is Kind.JOKERS:
        ids = chosen_allies(answer)
        return "; ".join(_ally(t, step, allies[i]) for i in ids if i in allies) or _not_addressed(t)
    return mark + esc(shorten(text, SHORT_ANSWER))


def sparkline(values: Sequence[int], minimum: int, maximum: int) -> str:
    """One bar per value; halves round down so a 1–5 scale reads ▁▃▄▆█."""
    span = max(maximum - minimum, 1)
    top = len(SPARKS) - 1
    bars = []
    for value in values:
        offset = min(max(value, minimum), maximum) - minimum
        bars.append(SPARKS[-((span - 2 * top * offset) // (2 * span))])
    return "".join(bars)


def _section(
    t: Translator, dialogue: Dialogue, brief: BriefInput, step: Step, answer: Answer | None
) -> str:
    lines = [f"<b>{esc(t._(step.label))}</b>"]
    lines.extend(_last_time(t, dialogue, brief, step))
    lines.extend(_answer_lines(t, step, answer, brief))
    return "\n".join(lines)


def _last_time(t: Translator, dialogue: Dialogue, brief: BriefInput, step: Step) -> list[str]:
    """Last time's answers the question refers to, so the worker knows what an outcome is about;
    one the person hid or skipped back then stays unshown."""
    lines: list[str] = []
    referred = dict.fromkeys(i for scope, i in placeholders(step.question) if scope == PREVIOUS)
    for step_id in referred:
        earlier = dialogue.step(step_id)
        answer = brief.previous_answers.get(step_id)
        if earlier is None or answer is None or answer.hidden or not answer.given:
            continue
        # Translators: introduces the person's answer from their previous preparation, e.g.
        # "My small step, last time: call the CAF".
        said = t._("{label}, last time:").format(label=esc(t._(earlier.label)))
        described = describe_answer(t, earlier, answer, brief.allies)
        lines.append(f"<blockquote><i>{said}</i> {described}</blockquote>")
    return lines


def _answer_lines(t: Translator, step: Step, answer: Answer | None, brief: BriefInput) -> list[str]:
    if answer is None or not answer.given:
        return [_not_addressed(t)]
    lines = _origin_lines(t, answer, shorten(brief.person_name, NAME_MAX))
    if answer.file_id:
        lines.append(attachment(t, answer, below=True))
    if answer.voice_file_id:
        duration = answer.voice_duration
        lines.append(
            "🎤 "
            + (
                t._("Voice message ({duration}), just below").format(
                    duration=f"{duration // 60}:{duration % 60:02d}"
                )
                if duration
                else t._("Voice message, just below")
            )
        )
    if answer.together:
        return [together(t)]
    text = (answer.text or "").strip()
    if not text:
        return lines or [_not_addressed(t)]
    if step.kind is Kind.AGREED:
        lines.extend("• " + line for line in agreed_lines(t, step, answer))
    elif step.kind is Kind.CHOICE:
        lines.append(_choice(t, step, text))
    elif step.kind is Kind.SCALE:
        lines.append(_scale(t, step, text, brief.history.get(step.id, ())))
    elif step.kind is Kind.JOKERS:
        ids = chosen_allies(answer)
        lines.extend(_ally(t, step, brief.allies[i]) for i in ids if i in brief.allies)
    else:
        lines.append(esc(text))
    return lines or [_not_addressed(t)]


def _origin_lines(t: Translator, answer: Answer, name: str) -> list[str]:
    """Above an answer the person did not write: the brief is "in their own words" otherwise."""
    if answer.origin == "forwarded":
        # Translators: above an answer the person forwarded (the landlord's text, say).
        text = t._("Forwarded message: {name} did not write it")
    elif answer.origin == "via_bot":
        # Translators: above an answer made with another Telegram bot, not typed by the person.
        text = t._("Made with another bot: {name} did not write it")
    else:
        return []
    mark = ORIGIN_MARKS[answer.origin]
    return [mark + "<i>" + text.format(name=isolated(esc(name))) + "</i>"]


def attachment(t: Translator, answer: Answer, *, below: bool = False) -> str:
    """`📎 Photo` or `📎 Document: bail.pdf`, said to follow the brief when it does."""
    if answer.file_kind == "photo":
        said = t._("Photo, just below") if below else t._("Photo")
    elif answer.file_name:
        said = (t._("Document {name}, just below") if below else t._("Document {name}")).format(
            name=esc(shorten(answer.file_name, 60))
        )
    else:
        said = t._("Document, just below") if below else t._("Document")
    return "📎 " + said


def agreed_who(t: Translator, item: Mapping[str, str]) -> str:
    """Who does an agreed step, in the person's voice ("Me"), in the reader's language; an item
    stored before roles were kept shows the words it was stored with."""
    by, name = item.get("by"), item.get("who", "")
    if by == "person":
        return t._("Me")
    if by == "worker":
        return name or t._("my worker")
    return name


def agreed_lines(t: Translator, step: Step, answer: Answer) -> list[str]:
    """Each agreed step with who did it and how it went, as HTML lines."""
    lines = []
    for item in json_list(answer.text):
        option = step.option(item.get("outcome", ""))
        outcome = esc(t._(option.label)) if option else "<i>" + t._("not told") + "</i>"
        lines.append(
            t._("{who}: {what} → {outcome}").format(
                who=esc(agreed_who(t, item)), what=esc(item.get("what", "")), outcome=outcome
            )
        )
    return lines


def _not_addressed(t: Translator) -> str:
    return "<i>" + t._("not answered") + "</i>"


def _choice(t: Translator, step: Step, option_id: str) -> str:
    """The option's label; an id the dialogue no longer has is shown as stored."""
    option = step.option(option_id)
    return esc(t._(option.label) if option else option_id)


def _score(step: Step, text: str) -> str:
    return f"{text}/{step.maximum}"


def _scale(t: Translator, step: Step, text: str, history: Sequence[int]) -> str:
    score = esc(_score(step, text))
    if not text.isdigit():
        return score
    values = [*history, int(text)]
    if len(values) < 2:
        return score
    trend = sparkline(values, step.minimum, step.maximum)
    # Translators: {trend} is a small chart of the scores, oldest first, e.g. ▂▃▅
    return t._("{score} · over time: {trend}").format(score=score, trend=trend)


def _ally(t: Translator, step: Step, ally: Ally) -> str:
    relation = step.option(ally.relation)
    if relation is None and not ally.relation:  # the person gave no relation
        return esc(ally.name)
    return t._("{name} — {relation}").format(
        name=isolated(esc(ally.name)),
        relation=esc(t._(relation.label) if relation else ally.relation),
    )


def _ref(t: Translator, brief: BriefInput) -> str:
    return t._("Ref. {reference}").format(reference=f"<code>{esc(brief.reference)}</code>")


def _top(t: Translator, brief: BriefInput, name: str, index: int, total: int) -> str:
    """The lines opening part `index` of `total`: the full header first, then a reminder."""
    reference = f"<code>{esc(brief.reference)}</code>"
    ref = (
        t._("Ref. {reference} · part {index}/{total}").format(
            reference=reference, index=index, total=total
        )
        if total > 1
        else _ref(t, brief)
    )
    if index > 1:
        return (
            t._("<b>{name}'s preparation</b> (continued)").format(name=isolated(esc(name)))
            + "\n"
            + ref
        )
    lines = [
        # Translators: the title of the brief a worker receives; {name} is the person's name.
        t._("<b>{name}'s preparation</b>, in their own words").format(name=isolated(esc(name))),
        t._("Prepared on {date}").format(date=t.date_time(brief.prepared_at)),
    ]
    if brief.meeting_at is not None:
        lines.append(t._("For the meeting on {date}").format(date=t.date_time(brief.meeting_at)))
    return "\n".join([*lines, ref])
