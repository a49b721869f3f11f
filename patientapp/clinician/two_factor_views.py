"""Two-factor sign-in pages: the second sign-in step, setting it up and switching it off,
recovery codes, and an admin's reset of another account's (a lost phone).

The rules live in ``auth`` and ``twofactor``; these views only validate and answer.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import accounts
from ..audit import record
from ..db import get_db, write_transaction
from ..timeutil import utcnow
from ..web.access import admin_only, public
from ..web.clinic import audit, start_session
from ..web.errors import too_many_requests
from ..web.ratelimit import too_many
from ..web.redirects import local_path_or
from . import bp, forms, twofactor
from . import queries as clinic_db
from .auth import (
    PAUSE_WINDOW,
    alert_wrong_code,
    check_code,
    check_second_factor,
    reset_two_factor,
    second_step_clinician,
    tell_holder_of_reset,
    two_factor_on,
)
from .auth import pending_secret as get_pending_secret


def _paused(clinician_id: int, count: bool = False) -> int | None:
    """Wrong codes (or passwords, on these pages) for this account in a quarter of an
    hour: after TWO_FACTOR_FAILURE_LIMIT of them, it has to wait."""
    return too_many("two-factor", "TWO_FACTOR_FAILURE_LIMIT", count=count,
                    key=str(clinician_id), window=PAUSE_WINDOW)


def _too_many_codes() -> str:
    return _("Too many wrong codes. Wait 15 minutes and try again.")


# --- the second step of signing in -------------------------------------------------------

@bp.route("/login/code", methods=["GET", "POST"])
@public
def enter_code():
    if g.clinician:
        return redirect(url_for(".list_patients"))
    db = get_db()
    clinician = second_step_clinician(db)
    if clinician is None:  # no password just typed, or too long ago
        if request.method == "POST":
            flash(_("Sign in again: the code must be entered within 5 minutes of the "
                    "password."), "error")
        return redirect(url_for(".sign_in"))
    g.user_locale = clinician["language"]  # the password was right: the account's language
    if request.method == "POST" and (wait := too_many("sign-in", "SIGN_IN_FAILURE_LIMIT",
                                                      count=False)):
        return too_many_requests(wait)
    form = forms.SecondStepForm()
    if not form.validate_on_submit():
        return render_template("clinician/second_step.html", form=form), \
            400 if request.method == "POST" else 200
    paused = _paused(clinician["id"])
    used = None if paused else check_second_factor(db, clinician["id"], form.code.data)
    if used is None:
        too_many("sign-in", "SIGN_IN_FAILURE_LIMIT")
        paused = _paused(clinician["id"], count=True) or paused
        form.code.errors = [_too_many_codes() if paused else
                            _("The code is not right. Type the code your app shows now, or "
                              "one of your recovery codes.")]
        record(db, "clinician", clinician["id"], clinician["clinic_id"], "sign-in-code-wrong")
        alert_wrong_code(db, clinician["id"])
        return render_template("clinician/second_step.html", form=form), 401
    next_path = session["two_factor"].get("next")
    with write_transaction(db):
        start_session(db, clinician)
        record(db, "clinician", clinician["id"], clinician["clinic_id"], "sign-in")
        if used == "recovery":
            left = clinic_db.get_two_factor(db, clinician["id"])["recovery_left"]
            record(db, "clinician", clinician["id"], clinician["clinic_id"],
                   "two-factor-recovery-code-used", detail=f"left={left}")
    if used == "recovery":
        flash(_("You signed in with a recovery code; it cannot be used again. Recovery codes "
                "left: %(left)d. Make new ones under Two-factor sign-in.", left=left))
    return redirect(local_path_or(next_path, url_for(".list_patients"), prefix="/clinic/"))


# --- setting it up, and the clinician's own settings --------------------------------------

def _setup_page(db, form, status: int = 200):
    secret, _stored = get_pending_secret(db, g.clinician["id"])
    issuer = g.get("clinic_name") or "patientapp"
    uri = twofactor.provisioning_uri(secret, g.clinician["email"], issuer)
    return render_template("clinician/two_factor_setup.html", form=form,
                           secret=twofactor.grouped(secret),
                           qr=twofactor.qr_svg(uri, _("QR code for your authenticator app"))), \
        status


def _status_page(db, off_form=None, renew_form=None, status: int = 200):
    return render_template("clinician/two_factor.html",
                           state=clinic_db.get_two_factor(db, g.clinician["id"]),
                           off_form=off_form or forms.ConfirmIdentityForm(prefix="off"),
                           renew_form=renew_form or forms.ConfirmIdentityForm(prefix="renew")), \
        status


@bp.route("/account/two-factor", methods=["GET", "POST"])
def setup_two_factor():
    db = get_db()
    if two_factor_on(g.clinician):
        return _status_page(db)
    form = forms.SetupCodeForm()
    if request.method == "GET":
        return _setup_page(db, form)
    stored = clinic_db.get_two_factor(db, g.clinician["id"])["totp_pending_secret"]
    if stored is None:  # nothing shown to set up yet (or switched on in another tab)
        return redirect(url_for(".setup_two_factor"))
    if not form.validate_on_submit():
        return _setup_page(db, form, 400)
    if _paused(g.clinician["id"]):
        form.code.errors = [_too_many_codes()]
        return _setup_page(db, form, 429)
    secret, stored = get_pending_secret(db, g.clinician["id"])
    step = twofactor.matching_step(secret, form.code.data, utcnow(), None)
    problem = None
    if not accounts.password_matches(g.clinician, form.password.data):
        form.password.errors, problem = [_("That is not your current password.")], True
    if step is None:
        form.code.errors, problem = [_("The code is not right. Check that the time on your "
                                       "phone is set automatically, and type the code the "
                                       "app shows now.")], True
    if problem:
        _paused(g.clinician["id"], count=True)
        return _setup_page(db, form, 400)
    codes = twofactor.new_recovery_codes()
    with write_transaction(db):
        switched_on = clinic_db.enable_two_factor(
            db, g.clinician["id"], stored, step, [twofactor.hash_recovery_code(c) for c in codes])
        if switched_on:
            audit("two-factor-on", "clinician", g.clinician["id"])
    if not switched_on:
        return redirect(url_for(".setup_two_factor"))
    flash(_("Two-factor sign-in is on. From now on you type a code from your app after your "
            "password."))
    return _recovery_codes_page(codes)


def _recovery_codes_page(codes: list[str]):
    return render_template("clinician/recovery_codes.html", codes=codes)


def _confirmed(db, form) -> bool:
    """The password, or a current code from the app, is right (counted when wrong)."""
    if _paused(g.clinician["id"]):
        form.confirm.errors = [_too_many_codes()]
        return False
    text = form.confirm.data
    if accounts.password_matches(g.clinician, text) or check_code(db, g.clinician["id"], text):
        return True
    _paused(g.clinician["id"], count=True)
    form.confirm.errors = [_("That is neither your password nor a current code.")]
    return False


@bp.post("/account/two-factor/off")
def disable_two_factor():
    db = get_db()
    if not two_factor_on(g.clinician):
        return redirect(url_for(".setup_two_factor"))
    form = forms.ConfirmIdentityForm(prefix="off")
    if not (form.validate_on_submit() and _confirmed(db, form)):
        return _status_page(db, off_form=form, status=400)
    with write_transaction(db):
        clinic_db.delete_two_factor(db, g.clinician["id"])
        audit("two-factor-off", "clinician", g.clinician["id"])
    flash(_("Two-factor sign-in is off. You sign in with your password alone."))
    return redirect(url_for(".setup_two_factor"))


@bp.post("/account/two-factor/recovery-codes")
def renew_recovery_codes():
    db = get_db()
    if not two_factor_on(g.clinician):
        return redirect(url_for(".setup_two_factor"))
    form = forms.ConfirmIdentityForm(prefix="renew")
    if not (form.validate_on_submit() and _confirmed(db, form)):
        return _status_page(db, renew_form=form, status=400)
    codes = twofactor.new_recovery_codes()
    with write_transaction(db):
        clinic_db.replace_recovery_codes(db, g.clinician["id"],
                                         [twofactor.hash_recovery_code(c) for c in codes])
        audit("two-factor-recovery-codes-new", "clinician", g.clinician["id"])
    flash(_("You have new recovery codes. The old ones no longer work."))
    return _recovery_codes_page(codes)


# --- an admin resets another account's (a lost phone) -------------------------------------

@bp.post("/admin/clinicians/<int:clinician_id>/two-factor/reset")
@admin_only
def reset_clinician_two_factor(clinician_id: int):
    db = get_db()
    target = clinic_db.get_clinic_clinician(db, g.clinician["clinic_id"], clinician_id)
    if target is None:
        abort(404)
    if clinician_id == g.clinician["id"]:
        flash(_("Change your own two-factor sign-in under Two-factor sign-in."), "error")
        return redirect(url_for(".manage_clinicians"))
    with write_transaction(db):
        was_on = reset_two_factor(db, clinician_id)
        if was_on:
            audit("reset-two-factor", "clinician", clinician_id)
    if was_on:
        tell_holder_of_reset(db, clinician_id)
        flash(_("Two-factor sign-in of %(name)s has been reset: they sign in with their "
                "password alone and can set it up again. They have been told by e-mail.",
                name=target["name"]))
    else:
        flash(_("%(name)s does not use two-factor sign-in.", name=target["name"]))
    return redirect(url_for(".manage_clinicians"))
