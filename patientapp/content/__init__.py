"""Everything in content/: questionnaires, pathways, education and exercises, validated at start-up.

``instruments`` reads questionnaires and pathways, ``library`` education and exercises,
``loader`` puts them together in one ``Content`` (``app.extensions["content"]``).
"""

from .instruments import (
    ASKED_INSTRUMENTS,
    GPE_POINTS,
    INSTRUMENT_KINDS,
    LOCALES,
    NPRS_SITES,
    PATHWAY_IDS,
    RISK_ITEMS,
    RISK_MAX_DAYS,
    RISK_SCREENS,
    SAFETY_LEVELS,
    SECTION_IDS,
    ContentError,
    EntryCode,
    Pathway,
    Questionnaire,
    TimepointSpec,
    load_pathways,
    load_questionnaire,
    load_questionnaires,
    read_yaml,
    require,
)
from .library import Exercise, Library
from .loader import Content, load_content

__all__ = ["ASKED_INSTRUMENTS", "GPE_POINTS", "INSTRUMENT_KINDS", "LOCALES", "NPRS_SITES",
           "PATHWAY_IDS", "RISK_ITEMS", "RISK_MAX_DAYS", "RISK_SCREENS", "SAFETY_LEVELS",
           "SECTION_IDS",
           "Content", "ContentError", "EntryCode", "Exercise", "Library", "Pathway",
           "Questionnaire", "TimepointSpec", "load_content", "load_pathways",
           "load_questionnaire", "load_questionnaires", "read_yaml", "require"]
