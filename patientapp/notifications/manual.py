"""Send a patient their link now, at a clinician's request (not waiting for send-due)."""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from ..courses import queries as courses
from ..courses.enrolment import last_day
from . import backends, due, queries
from .messages import Details, render_email, render_sms
from .sending import Outlets


def send_link_now(db: Database, course: dict, timepoint: dict, clinic: dict,
                  outlets: Outlets) -> dict[str, bool]:
    """A fresh link, replacing the earlier ones, to every contact detail on file; returns
    {channel: delivered}.

    Each attempt is recorded in the outbox like the scheduled messages are.
    """
    token = courses.replace_invitations(db, timepoint)
    details = Details(clinic_name=clinic["name"], clinic_phone=clinic["phone"],
                      visit_date=date.fromisoformat(timepoint["visit_date"]),
                      last_day=last_day(timepoint["expires_at"]),
                      link=f"{outlets.base_url}/q/{token}")
    results = {}
    for channel, address in due.channels(course["email"], course["phone"]):
        try:
            if channel == "email":
                outlets.email.send(render_email("invitation", course["language"], address,
                                                details))
            else:
                outlets.sms.send(render_sms("invitation", course["language"], address,
                                            outlets.sms_sender, details))
            results[channel], error = True, ""
        except Exception as failure:  # a refused send is reported, never a crash
            results[channel], error = False, backends.describe(failure)
        queries.save_manual_send(db, course["id"], timepoint["id"], channel, address,
                                 results[channel], error)
    return results
