"""The risk profile: the risk factors for a long course, for the clinician.

``rules.py`` decides (pure); ``queries.py`` reads the baseline; ``profile.py`` turns it
into plain words for the course page (a section), the patient list and the GP summary.
"""

from flask import Flask

from ..courses import sections


def init_app(app: Flask) -> None:
    from .profile import course_risk_section

    sections.register(app, "risk", course_risk_section)
