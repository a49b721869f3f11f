"""Reading pages under /q/<token>/read: the list, one module, and marking it read.

The link works as for the questionnaires (same token handling). A course that has
ended still shows everything it had opened, read-only.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..audit import record
from ..courses import queries as courses
from ..db import get_db, write_transaction
from ..timeutil import parse_date, today
from ..web.templating import local_date as format_day
from . import bp, queries, reading


def _reading_list() -> list[reading.ReadingItem]:
    invitation = g.invitation
    course = courses.get_course(get_db(), invitation["course_id"])
    modules = current_app.extensions["content"].library.modules_for(invitation["pathway"],
                                                                     str(get_locale()))
    return reading.reading_list(modules, parse_date(course["first_visit"]),
                                today(),
                                queries.list_reads(get_db(), invitation["course_id"]))


def _ended() -> bool:
    return g.invitation["course_status"] != "active"


def _open_item(items: list[reading.ReadingItem], slug: str) -> reading.ReadingItem | Response:
    """The module if it is on this pathway and open; a redirect to the list if not yet."""
    item = next((i for i in items if i.module.slug == slug), None)
    if item is None:
        abort(404)
    if not item.unlocked:
        flash(_("This will be ready for you on %(date)s.", date=format_day(item.opens_on)))
        return redirect(url_for(".list_modules"))
    return item


@bp.get("")
def list_modules():
    return render_template("education/list.html", items=_reading_list(), ended=_ended())


@bp.get("/<slug>")
def show_module(slug: str):
    items = _reading_list()
    item = _open_item(items, slug)
    if isinstance(item, Response):
        return item
    return render_template("education/module.html", item=item, ended=_ended(),
                           following=reading.next_unread(items, slug))


@bp.post("/<slug>/done")
def mark_read(slug: str):
    items = _reading_list()
    item = _open_item(items, slug)
    if isinstance(item, Response):
        return item
    if _ended():
        return redirect(url_for(".show_module", slug=slug))
    with write_transaction(get_db()):  # the read and its audit entry together
        if queries.save_read(get_db(), g.invitation["course_id"], slug):
            record(get_db(), "patient", None, g.invitation["clinic_id"], "read-module",
                   "course", g.invitation["course_id"], slug)
    flash(_("Marked as read. Well done!"))
    following = reading.next_unread(items, slug)
    if following is None:
        return redirect(url_for(".list_modules"))
    return redirect(url_for(".show_module", slug=following.module.slug))
