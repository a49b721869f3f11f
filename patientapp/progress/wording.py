"""The progress page's words: what each score means and which way it went, for a patient.

No clinical jargon and no abbreviations a patient does not know. The direction words are
the instrument's own: a lower ODI, NDI or NPRS is better, a higher PSFS is better. An
instrument without words here is still shown, with its title and its numbers.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..web.labels import SITES
from ..web.templating import score_text
from .summary import IMPROVED, WORSE, Movement

# Per instrument: its heading, what the number means (one sentence), and the sentence for
# better, about the same and worse. %(since)s is "at the start" or "the first time you
# answered"; %(change)s is "44 → 22 out of 100".
WORDS = {
    "odi": {
        "heading": _l("Your back in daily life"),
        "meaning": _l("This number shows how much your back problems affect your daily life: "
                      "0 means not at all, 100 means as much as possible."),
        IMPROVED: _l("Your back problems affect your daily life less than %(since)s: "
                     "%(change)s."),
        "same": _l("Your back problems affect your daily life about as much as %(since)s: "
                   "%(change)s."),
        WORSE: _l("Your back problems affect your daily life more than %(since)s: "
                  "%(change)s."),
    },
    "ndi": {
        "heading": _l("Your neck in daily life"),
        "meaning": _l("This number shows how much your neck problems affect your daily life: "
                      "0 means not at all, 100 means as much as possible."),
        IMPROVED: _l("Your neck problems affect your daily life less than %(since)s: "
                     "%(change)s."),
        "same": _l("Your neck problems affect your daily life about as much as %(since)s: "
                   "%(change)s."),
        WORSE: _l("Your neck problems affect your daily life more than %(since)s: "
                  "%(change)s."),
    },
    "nprs": {
        "heading": _l("Your pain"),
        "meaning": _l("This number shows how strong your pain is: 0 means no pain, 10 means "
                      "the worst pain you can imagine."),
        IMPROVED: _l("Your %(pain)s is milder than %(since)s: %(change)s."),
        "same": _l("Your %(pain)s is about as strong as %(since)s: %(change)s."),
        WORSE: _l("Your %(pain)s is stronger than %(since)s: %(change)s."),
    },
    "psfs": {
        "heading": _l("The activities you chose"),
        "meaning": _l("This number is the average of the activities you chose at the "
                      "start: 0 means you cannot do them at all, 10 means you can do them as "
                      "well as before your problems."),
        IMPROVED: _l("The activities you chose are easier for you than %(since)s: "
                     "%(change)s."),
        "same": _l("The activities you chose are about as hard for you as %(since)s: "
                   "%(change)s."),
        WORSE: _l("The activities you chose are harder for you than %(since)s: "
                  "%(change)s."),
    },
}
SCALE_TOP = {"odi": 100, "ndi": 100, "nprs": 10, "psfs": 10}


def heading(instrument: str, title: str) -> str:
    words = WORDS.get(instrument)
    return str(words["heading"]) if words else title


def meaning(instrument: str) -> str | None:
    words = WORDS.get(instrument)
    return str(words["meaning"]) if words else None


def value_text(instrument: str, value: float | None) -> str:
    """'22 out of 100', or the bare number on a scale this page does not know."""
    number = score_text(instrument, value)
    top = SCALE_TOP.get(instrument)
    return _("%(value)s out of %(top)s", value=number, top=top) if top else number


def change_text(m: Movement) -> str:
    """'44 → 22 out of 100'."""
    first = score_text(m.series.instrument, m.first.value)
    return f"{first} → {value_text(m.series.instrument, m.last.value)}"


def since_text(m: Movement) -> str:
    return _("at the start") if m.from_baseline else _("the first time you answered")


def sentence(m: Movement, title: str) -> str:
    """The movement of one score in one plain sentence."""
    instrument = m.series.instrument
    pain = str(SITES.get(m.series.item, _("pain")))
    if m.once:
        return _("So far you have answered this once: %(value)s.",
                 value=value_text(instrument, m.last.value))
    words = WORDS.get(instrument)
    if words is None or m.direction is None:
        return _("%(title)s: %(change)s.", title=title, change=change_text(m))
    key = m.direction if m.direction in (IMPROVED, WORSE) else "same"
    return str(words[key]) % {"since": since_text(m), "change": change_text(m), "pain": pain}


def activity_sentence(m: Movement) -> str:
    """One PSFS activity (named above the sentence): easier, about as hard, or harder."""
    if m.once:
        return _("So far: %(value)s.", value=value_text("psfs", m.last.value))
    texts = {IMPROVED: _("Easier for you than %(since)s: %(change)s."),
             WORSE: _("Harder for you than %(since)s: %(change)s.")}
    text = texts.get(m.direction or "", _("About as hard for you as %(since)s: %(change)s."))
    return text % {"since": since_text(m), "change": change_text(m)}
