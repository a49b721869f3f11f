"""Translated names for codes shown to people: bands, changes, statuses, alert kinds."""

from flask import Flask
from flask_babel import lazy_gettext as _l

# The ODI's two top bands keep Fairbank's codes in the data, but no person reads his words
# ("crippled", "bed-bound or exaggerating symptoms"): a GP or patient reads neutral ones.
BANDS = {
    "minimal": _l("minimal disability"), "moderate": _l("moderate disability"),
    "severe": _l("severe disability"), "crippled": _l("very severe disability"),
    "bed-bound": _l("extreme disability"),
    "none": _l("no disability"), "mild": _l("mild disability"),
    "complete": _l("complete disability"),
}
CHANGES = {"improved": _l("improved"), "no-change": _l("no change"), "worse": _l("worse")}
CONSENT = {"unknown": _l("not asked yet"), "given": _l("consent given"),
           "refused": _l("consent refused"), "withdrawn": _l("consent withdrawn")}
ALERT_KINDS = {"alarm": _l("Alarm symptom"), "worse": _l("Worse"),
               "exercise": _l("Exercise makes pain worse"), "delivery": _l("Message not delivered")}
LEVELS = {"emergency": _l("emergency"), "urgent": _l("urgent"), "warning": _l("warning"),
          "info": _l("information")}
YES_NO = {"yes": _l("Yes"), "no": _l("No")}
SITES = {"back": _l("back pain"), "leg": _l("leg pain"), "neck": _l("neck pain"),
         "arm": _l("arm pain")}
# The global perceived effect, as the clinic reads the patient's answer.
GPE = {"much-better": _l("much better"), "better": _l("better"),
       "a-little-better": _l("a little better"), "no-change": _l("no change"),
       "a-little-worse": _l("a little worse"), "worse": _l("worse"),
       "much-worse": _l("much worse")}
COURSE_STATUS = {"active": _l("active"), "ended": _l("ended")}


def init_app(app: Flask) -> None:
    app.add_template_global({
        "bands": BANDS, "changes": CHANGES, "consent": CONSENT, "alert_kinds": ALERT_KINDS,
        "levels": LEVELS, "yes_no": YES_NO, "sites": SITES, "course_status": COURSE_STATUS,
        "gpe": GPE,
    }, "labels")
