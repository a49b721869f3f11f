"""Every ODI and NDI statement means what the published statement at that position means.

The wording in content/ is the project's own rendering of ODI 2.1a (Fairbank & Pynsent
2000) and the NDI (Vernon & Mior 1991). A slip in one statement (such as the ODI 1.0
"…but it is very painful" for personal care, which reads worse than the next statement)
silently moves every patient who picks it. So the table below gives, for each instrument,
section and statement position (0 = least disability … 5 = most), a short pattern per
language that carries the published statement's meaning. Each statement must match its
own pattern and no other statement's pattern in the same section, so two statements that
swap places, drift into each other's meaning or lose their key detail (1 mile, 100 yards,
"extra pain") fail here.

The test walks every ODI/NDI file in content/questionnaires: a new locale without a row in
this table fails until someone has checked its wording the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from patientapp.content import SECTION_IDS

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "content" / "questionnaires"

# Shared by ODI and NDI: both took these three sections from the ODI.
COMMON = {
    "en": {
        "pain_intensity": [r"\bno pain", r"very mild", r"moderate", r"fairly severe",
                           r"very severe", r"worst"],
        "personal_care": [r"as usual without .*extra pain", r"as usual, but .*extra pain",
                          r"painful.*slow and careful", r"some help.*most",
                          r"help every day", r"do not get dressed.*stay in bed"],
        "lifting": [r"heavy things without extra pain", r"heavy things, but .*extra pain",
                    r"off the floor.*placed handily", r"light to medium",
                    r"only lift very light", r"cannot lift or carry anything"],
    },
    "da": {
        "pain_intensity": [r"ingen smerter", r"meget lette", r"middelstærke", r"ret stærke",
                           r"meget stærke", r"værst tænkelige"],
        "personal_care": [r"som normalt, uden .*ekstra smerter",
                          r"som normalt, men .*ekstra smerter",
                          r"gør ondt.*langsom og forsigtig", r"lidt hjælp.*det meste",
                          r"hjælp hver dag", r"ikke tøj på.*sengen"],
        "lifting": [r"tunge ting uden ekstra smerter", r"tunge ting, men .*ekstra smerter",
                    r"op fra gulvet.*god højde", r"lette og mellemtunge",
                    r"kun løfte meget lette", r"slet ikke løfte eller bære"],
    },
}

MEANING = {
    ("odi", "en"): {
        **COMMON["en"],
        "walking": [r"does not stop me walking", r"1 mile.*1\.6 km", r"half a mile.*800 m",
                    r"100 yards.*100 m", r"stick or crutches", r"in bed most of the time"],
        "sitting": [r"any chair", r"only in my favourite chair", r"more than 1 hour",
                    r"more than half an hour", r"more than 10 minutes", r"sitting at all"],
        "standing": [r"as long as I like without extra pain",
                     r"as long as I like, but .*extra pain", r"more than 1 hour",
                     r"more than half an hour", r"more than 10 minutes", r"standing at all"],
        "sleeping": [r"never disturbs", r"sometimes disturbs", r"less than 6 hours",
                     r"less than 4 hours", r"less than 2 hours", r"stops me sleeping at all"],
        "sex_life": [r"normal and .*no extra pain", r"normal, but .*some extra pain",
                     r"nearly normal.*very painful", r"severely limited", r"nearly gone",
                     r"prevents any sex life"],
        "social_life": [r"normal and .*no extra pain", r"normal, but .*pain worse",
                        r"little effect.*energetic", r"limited my social life.*not go out",
                        r"only takes place at home", r"no social life"],
        "travelling": [r"anywhere without pain", r"anywhere, but .*extra pain",
                       r"over 2 hours", r"less than 1 hour",
                       r"short, necessary journeys.*30 minutes", r"except to get treatment"],
    },
    ("odi", "da"): {
        **COMMON["da"],
        "walking": [r"ikke i at gå", r"1,6 km", r"800 m", r"\b100 m\b", r"stok eller krykker",
                    r"sengen det meste af tiden"],
        "sitting": [r"hvilken som helst stol", r"kun i min yndlingsstol", r"mere end 1 time",
                    r"mere end en halv time", r"mere end 10 minutter", r"helt i at sidde"],
        "standing": [r"så længe jeg vil, uden ekstra smerter",
                     r"så længe jeg vil, men .*ekstra smerter", r"mere end 1 time",
                     r"mere end en halv time", r"mere end 10 minutter", r"helt i at stå"],
        "sleeping": [r"aldrig", r"af og til", r"mindre end 6 timer", r"mindre end 4 timer",
                     r"mindre end 2 timer", r"helt i at sove"],
        "sex_life": [r"normalt og .*ingen ekstra smerter", r"normalt, men .*lidt ekstra smerter",
                     r"næsten normalt.*meget ondt", r"meget begrænset", r"næsten intet sexliv",
                     r"helt i at have et sexliv"],
        "social_life": [r"normalt og .*ingen ekstra smerter", r"normalt, men .*smerterne værre",
                        r"ikke .*meget.*fysisk krævende",
                        r"begrænser mit sociale liv.*ikke så tit ud", r"kun hjemme",
                        r"intet socialt liv"],
        "travelling": [r"hvor som helst uden smerter", r"hvor som helst, men .*ekstra smerter",
                       r"over 2 timer", r"under 1 time", r"korte, nødvendige ture.*halv time",
                       r"undtagen for at få behandling"],
    },
    ("ndi", "en"): {
        **COMMON["en"],
        "reading": [r"as much as I want with no neck pain",
                    r"as much as I want with slight neck pain",
                    r"as much as I want with moderate neck pain",
                    r"cannot read as much as I want because of moderate",
                    r"hardly read.*severe", r"cannot read at all"],
        "headaches": [r"no headaches", r"slight headaches.*not come often",
                      r"moderate headaches.*not come often",
                      r"moderate headaches that come often", r"severe headaches.*often",
                      r"almost all the time"],
        "concentration": [r"fully.*no difficulty", r"fully.*slight difficulty",
                          r"fair amount of difficulty", r"a lot of difficulty",
                          r"great deal of difficulty", r"cannot concentrate at all"],
        "work": [r"as much work as I want", r"can (only )?do my usual work, but no more",
                 r"most of my usual work", r"cannot do my usual work", r"hardly do any work",
                 r"cannot do any work at all"],
        "driving": [r"drive without any neck pain", r"as long as I want with slight",
                    r"as long as I want with moderate",
                    r"cannot drive as long as I want because of moderate",
                    r"hardly drive.*severe", r"cannot drive at all"],
        "sleeping": [r"no trouble sleeping", r"slightly disturbed.*less than 1 hour",
                     r"mildly disturbed.*1.2 hours", r"moderately disturbed.*2.3 hours",
                     r"greatly disturbed.*3.5 hours", r"completely disturbed.*5.7 hours"],
        "recreation": [r"all my leisure activities with no neck pain",
                       r"all my leisure activities, with some neck pain",
                       r"most but not all", r"only a few", r"hardly do any leisure",
                       r"cannot do any leisure activities at all"],
    },
    ("ndi", "da"): {
        **COMMON["da"],
        "reading": [r"så meget jeg vil, uden smerter", r"så meget jeg vil, med lette",
                    r"så meget jeg vil, med middelstærke",
                    r"ikke læse så meget, som jeg vil, på grund af middelstærke",
                    r"næsten ikke læse.*stærke", r"slet ikke læse"],
        "headaches": [r"slet ikke hovedpine", r"let hovedpine, men ikke ofte",
                      r"middelstærk hovedpine, men ikke ofte", r"ofte middelstærk",
                      r"ofte stærk", r"næsten hele tiden"],
        "concentration": [r"fuldt ud.*uden besvær", r"fuldt ud.*lidt besvær",
                          r"en del besvær", r"har meget besvær", r"rigtig meget besvær",
                          r"slet ikke koncentrere"],
        "work": [r"arbejde så meget, jeg vil", r"klare mit sædvanlige arbejde, men ikke mere",
                 r"det meste af mit sædvanlige", r"ikke klare mit sædvanlige",
                 r"næsten ikke arbejde", r"slet ikke arbejde"],
        "driving": [r"uden smerter i nakken", r"så længe jeg vil, med lette",
                    r"så længe jeg vil, med middelstærke",
                    r"ikke køre bil så længe.*middelstærke", r"næsten ikke køre bil.*stærke",
                    r"slet ikke køre bil"],
        "sleeping": [r"uden problemer", r"lidt forstyrret.*under 1 time",
                     r"noget forstyrret.*1.2 timer", r"moderat forstyrret.*2.3 timer",
                     r"meget forstyrret.*3.5 timer", r"helt forstyrret.*5.7 timer"],
        "recreation": [r"alle mine fritidsaktiviteter helt uden smerter",
                       r"alle mine fritidsaktiviteter, men med nogle smerter",
                       r"de fleste, men ikke alle", r"kun lave få", r"næsten ikke lave nogen",
                       r"slet ikke lave nogen"],
    },
}

# Sections that offer "does not apply to me", stored as missing (never as 0).
NOT_APPLICABLE = {"odi": {"sex_life"}, "ndi": {"driving", "work"}}


def _files() -> list[Path]:
    return sorted(p for p in QUESTIONNAIRES.glob("*.yaml")
                  if p.name.split(".")[0] in SECTION_IDS)


def _statements() -> list:
    """(file, instrument, section, position, text, all texts of the section) for every
    statement of every ODI/NDI file."""
    found = []
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section in data["sections"]:
            for position, text in enumerate(section["options"]):
                found.append(pytest.param(
                    path.name, data["id"], section["id"], position, text, section["options"],
                    id=f"{path.stem}-{section['id']}-{position}"))
    return found


def test_every_section_file_has_a_meaning_table():
    files = _files()
    assert len(files) >= 4  # ODI and NDI in Danish and English at least
    for path in files:
        instrument, locale = path.stem.split(".")
        assert (instrument, locale) in MEANING, (
            f"{path.name}: add its statements to MEANING once checked against the published "
            "instrument")
        assert set(MEANING[(instrument, locale)]) == set(SECTION_IDS[instrument])


@pytest.mark.parametrize("file, instrument, section, position, text, siblings",
                         _statements())
def test_each_statement_means_the_published_statement(file, instrument, section, position,
                                                      text, siblings):
    locale = file.split(".")[1]
    patterns = MEANING[(instrument, locale)][section]
    assert len(patterns) == len(siblings) == 6
    assert re.search(patterns[position], text, re.IGNORECASE), (
        f"{file} {section} statement {position} ({text!r}) does not carry the published "
        f"meaning /{patterns[position]}/")
    others = [n for n, pattern in enumerate(patterns)
              if n != position and re.search(pattern, text, re.IGNORECASE)]
    assert not others, (f"{file} {section} statement {position} ({text!r}) also reads like "
                        f"statement(s) {others}")


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_not_applicable_is_offered_exactly_where_the_instrument_allows_it(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    offered = {s["id"] for s in data["sections"] if s.get("not_applicable")}
    assert offered == NOT_APPLICABLE[data["id"]]


def test_personal_care_statement_one_is_the_2_1a_wording_not_1_0():
    """The slip the clinical review found: ODI 1.0 read "…but it is very painful"."""
    for path in _files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        care = next(s for s in data["sections"] if s["id"] == "personal_care")
        assert not re.search(r"very painful|meget ondt", care["options"][1], re.IGNORECASE)
