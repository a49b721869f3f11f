"""The risk profile: which risk factors for long-lasting pain are present before the course.

The factors are those the regional pathway programme for low back disorders lists
(individual: strong pain, much reduced activity, many pain sites, leg pain, high age;
psychosocial: worry, depression, fear of movement; work: a poor work environment), plus
sick leave, which the programme calls a social-medical risk factor in itself. The cut-offs
are this project's (docs/scoring.md, "Risk profile"): the programme names the factors
but gives no numbers.

Pure logic: baseline scores and the stored risk answers in, the factors present, the ones
that cannot be judged yet and the programme's prompts out. There is no total or score:
each factor stands on its own with the answers it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

INDIVIDUAL, PSYCHOSOCIAL, WORK = "individual", "psychosocial", "work"

STRONG_PAIN = 7  # an NPRS rating of 7 or more at any site
SEVERE_BANDS = {"odi": ("severe", "crippled", "bed-bound"), "ndi": ("severe", "complete")}
MANY_SITES = 4  # body areas ticked on the risk questionnaire
RADIATING_SITES = {"leg": ("legs",), "arm": ("shoulders_arms", "hands")}  # NPRS site: areas
WORRY = ("very", "extremely")
FEAR = ("agree", "agree_strongly")
LOW_MOOD = ("most_days", "every_day")  # low mood or lost interest, in the last two weeks
SICK_LEAVE_STATUS = ("sick_leave_part", "sick_leave_full")
WORK_STRAIN = ("much",)
SEVERAL_PSYCHOSOCIAL = 2  # from this many psychosocial factors, plan the conversation

# Every factor, in the order the profile lists them, with its group.
FACTORS = {
    "strong_pain": INDIVIDUAL, "much_reduced_activity": INDIVIDUAL,
    "many_pain_sites": INDIVIDUAL, "radiating_pain": INDIVIDUAL, "high_age": INDIVIDUAL,
    "worry": PSYCHOSOCIAL, "depression_signs": PSYCHOSOCIAL,
    "fear_of_movement": PSYCHOSOCIAL,
    "sick_leave": WORK, "poor_work_situation": WORK,
}
# The factors the risk questionnaire answers; the others come from the scores.
FROM_RISK = ("many_pain_sites", "worry", "depression_signs", "fear_of_movement", "sick_leave",
             "poor_work_situation")
MUNICIPAL_REHABILITATION, PSYCHOSOCIAL_CONVERSATION = "municipal-rehabilitation", \
    "psychosocial-conversation"


@dataclass(frozen=True)
class Evidence:
    """One answer a factor rests on: an NPRS site, the ODI/NDI, or a risk item."""

    instrument: str  # nprs | odi | ndi | risk
    item: str  # the NPRS site, '' for ODI/NDI, or the risk item's id
    value: object  # the score, or the answer as stored
    band: str | None = None  # ODI/NDI: the score's band


@dataclass(frozen=True)
class Factor:
    id: str
    evidence: tuple[Evidence, ...]

    @property
    def group(self) -> str:
        return FACTORS[self.id]


@dataclass(frozen=True)
class Baseline:
    """What is known before the first consultation: valid baseline scores and the risk
    answers (None while the risk questionnaire has not been submitted)."""

    nprs: Mapping[str, float] = field(default_factory=dict)  # site -> rating
    disability: tuple[str, float, str] | None = None  # (odi|ndi, value, band)
    risk: Mapping[str, object] | None = None
    limb: str = "leg"  # where nerve-root pain radiates on this course: leg, or arm (neck)


@dataclass(frozen=True)
class Profile:
    factors: tuple[Factor, ...]
    unknown: tuple[str, ...]  # factors that cannot be judged from what has been answered
    prompts: tuple[str, ...]

    def count(self, group: str | None = None) -> int:
        return sum(1 for f in self.factors if group is None or f.group == group)

    @property
    def answered(self) -> bool:
        """Whether anything at all is known (a baseline score or the risk answers)."""
        return len(self.unknown) < len(FACTORS)


# --- one rule per factor: the evidence when present, () when absent, None when unknown ------

Rule = tuple[Evidence, ...] | None


def strong_pain(b: Baseline) -> Rule:
    if not b.nprs:
        return None
    return tuple(Evidence("nprs", site, value) for site, value in b.nprs.items()
                 if value >= STRONG_PAIN)


def much_reduced_activity(b: Baseline) -> Rule:
    if b.disability is None:
        return None
    instrument, value, band = b.disability
    return (Evidence(instrument, "", value, band),) if band in SEVERE_BANDS[instrument] else ()


def _risk(b: Baseline, item: str, present: tuple) -> Rule:
    if b.risk is None:
        return None
    value = b.risk.get(item)
    return (Evidence("risk", item, value),) if value in present else ()


def many_pain_sites(b: Baseline) -> Rule:
    if b.risk is None:
        return None
    sites = list(b.risk.get("pain_sites") or [])
    return (Evidence("risk", "pain_sites", sites),) if len(sites) >= MANY_SITES else ()


def radiating_pain(b: Baseline) -> Rule:
    """Leg pain (arm pain on the neck course): rated above 0, or ticked as a pain site."""
    rating = b.nprs.get(b.limb)
    if rating is None and b.risk is None:
        return None
    found = [Evidence("nprs", b.limb, rating)] if rating else []
    ticked = [a for a in (b.risk or {}).get("pain_sites") or [] if a in RADIATING_SITES[b.limb]]
    if ticked:
        found.append(Evidence("risk", "pain_sites", ticked))
    return tuple(found)


def high_age(b: Baseline) -> Rule:
    return None  # the app records no birth date or age: always "not known"


def worry(b: Baseline) -> Rule:
    return _risk(b, "worry", WORRY)


def fear_of_movement(b: Baseline) -> Rule:
    return _risk(b, "movement_harm", FEAR)


def depression_signs(b: Baseline) -> Rule:
    if b.risk is None:
        return None
    return tuple(Evidence("risk", item, b.risk.get(item)) for item in ("low_mood", "lost_interest")
                 if b.risk.get(item) in LOW_MOOD)


def sick_leave(b: Baseline) -> Rule:
    if b.risk is None:
        return None
    status, days = b.risk.get("work_status"), b.risk.get("sick_leave_days")
    found = []
    if status in SICK_LEAVE_STATUS:
        found.append(Evidence("risk", "work_status", status))
    if isinstance(days, int) and days > 0:
        found.append(Evidence("risk", "sick_leave_days", days))
    return tuple(found)


def poor_work_situation(b: Baseline) -> Rule:
    return _risk(b, "work_strain", WORK_STRAIN)


RULES = {name: globals()[name] for name in FACTORS}


def profile(baseline: Baseline) -> Profile:
    """Every factor present with its evidence, those not known, and the prompts."""
    factors, unknown = [], []
    for name, rule in RULES.items():
        evidence = rule(baseline)
        if evidence is None:
            unknown.append(name)
        elif evidence:
            factors.append(Factor(name, evidence))
    present = {f.id for f in factors}
    prompts = []
    if "sick_leave" in present:
        prompts.append(MUNICIPAL_REHABILITATION)
    if sum(FACTORS[f] == PSYCHOSOCIAL for f in present) >= SEVERAL_PSYCHOSOCIAL:
        prompts.append(PSYCHOSOCIAL_CONVERSATION)
    return Profile(tuple(factors), tuple(unknown), tuple(prompts))
