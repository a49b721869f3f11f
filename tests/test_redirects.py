"""``next=`` targets: only plain paths on this site, whatever a browser would make of them."""

from __future__ import annotations

from datetime import date

import pytest

from patientapp.demo import create_demo
from patientapp.web.redirects import is_local_path, local_path_or

# Known open-redirect bypasses: each is something a browser may resolve to another host.
BYPASSES = [
    "//evil.example", "///evil.example", "////evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
    "https://evil.example", "http:evil.example", "javascript:alert(1)", "evil.example",
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/ /evil.example",
    "/%09/evil.example", "/%0a/evil.example", "/%0D/evil.example", "/%20/evil.example",
    "/%2F/evil.example", "/%2f/evil.example", "/%5C/evil.example", "/%5cevil.example",
    "/%252F/evil.example", "/%25252F/evil.example", "/%2525252F%2525252Fevil.example",
    "/\x00/evil.example", "/\x0b/evil.example", "/\x0c/evil.example", "/\x1f/evil.example",
    "/\x7f/evil.example", "/%00/evil.example", "/%7F/evil.example",
    "/\u00a0/evil.example", "/\u3000/evil.example", "/\uff0f\uff0fevil.example",
    "/%E3%80%82evil.example", "/%ff/evil.example", " /evil.example", "\t//evil.example",
    "/ok//evil.example", "",
]
SAFE = ["/", "/clinic/", "/clinic/courses/3", "/q/abc-DEF_123/step/odi-1",
        "/clinic/?status=ended&offset=200", "/q/abc/read/good-prognosis#top"]


@pytest.mark.parametrize("target", BYPASSES)
def test_a_bypass_is_not_a_local_path(target):
    assert not is_local_path(target)


@pytest.mark.parametrize("target", SAFE)
def test_a_plain_path_is_a_local_path(target):
    assert is_local_path(target)


def test_the_prefix_must_match_as_well():
    assert is_local_path("/q/tok/step/x", prefix="/q/tok")
    assert not is_local_path("/clinic/", prefix="/q/tok")
    assert local_path_or("/\t/evil.example", "/home") == "/home"
    assert local_path_or(None, "/home") == "/home"


@pytest.mark.parametrize("target", BYPASSES)
def test_the_language_switch_never_leaves_the_site(app, target):
    response = app.test_client().post("/language", data={"language": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", BYPASSES)
def test_the_patient_language_switch_never_leaves_the_link(app, enrol, target):
    _, token = enrol(consent="given")
    response = app.test_client().post(f"/q/{token}/language",
                                      data={"language": "en", "next": target})
    assert response.headers["Location"] == f"/q/{token}"


@pytest.mark.parametrize("target", BYPASSES + ["/clinic//evil.example", "/clinic/\\evil"])
def test_sign_in_never_sends_a_clinician_off_the_site(app, db, content, target):
    create_demo(db, content, "http://localhost", date.today(), "correct horse battery")
    response = app.test_client().post(
        "/clinic/login", query_string={"next": target},
        data={"email": "demo@clinic.example", "password": "correct horse battery"})
    assert response.headers["Location"] == "/clinic/"


def test_a_local_target_is_followed(app):
    response = app.test_client().post("/language", data={"language": "en", "next": "/clinic/"})
    assert response.headers["Location"] == "/clinic/"
