"""The route map: every route the app registers has exactly one access class, and each is
proved by asking the route itself, once as a role that may reach it and once as one that
may not. A new route without an entry in ``route_map.ACCESS`` fails here."""

from __future__ import annotations

from pathlib import Path
from tempfile import gettempdir

import pytest
from route_map import (
    ACCESS,
    ADMIN,
    API_KEY,
    CLINICIAN,
    DESIGNED,
    METRICS,
    PATIENT,
    PUBLIC,
    ROLES,
    build_world,
    make_app,
    methods,
    rules,
)

from patientapp.web.blueprints import AccessBlueprint, access_of

ROUTES = [(rule.endpoint, method) for rule in rules(make_app(Path(gettempdir()),
                                                             DATABASE=":memory:"))
          for method in methods(rule)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("route-map"))


def test_every_route_has_exactly_one_access_class(world):
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert not endpoints - set(ACCESS), f"classify these routes: {endpoints - set(ACCESS)}"
    assert not set(ACCESS) - endpoints, f"gone from the app: {set(ACCESS) - endpoints}"
    assert set(ACCESS.values()) == {PUBLIC, PATIENT, CLINICIAN, ADMIN, API_KEY,
                                     METRICS}


def test_the_app_declares_the_access_the_map_expects(world):
    """Each route's access comes from the blueprint that made it (or the view's own mark), so
    a route cannot be added to a clinic or patient blueprint without that blueprint's check."""
    declared = {rule.endpoint: access_of(world.app, rule.endpoint)
                for rule in world.app.url_map.iter_rules()}
    wrong = {endpoint: (access, ACCESS[endpoint]) for endpoint, access in declared.items()
             if access != ACCESS[endpoint]}
    assert not wrong, f"declared vs expected: {wrong}"
    plain = [name for name, bp in world.app.blueprints.items()
             if not isinstance(bp, AccessBlueprint)]
    assert not plain, f"blueprints not made by patientapp.web.blueprints: {plain}"


def test_patient_routes_carry_the_link_and_api_routes_sit_under_the_api(world):
    for rule in world.app.url_map.iter_rules():
        access = ACCESS[rule.endpoint]
        assert (access == PATIENT) == rule.rule.startswith("/q/<token>"), rule.rule
        if access in (CLINICIAN, ADMIN):
            assert rule.rule.startswith("/clinic/"), rule.rule
        if access == API_KEY:
            assert rule.rule.startswith("/api/v1/"), rule.rule


def _rule(world, endpoint):
    return next(r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint)


def _open(world, role, rule, method, **kwargs):
    client = world.client(role)
    return client.open(world.url(rule, **kwargs), method=method,
                       headers=world.headers.get(role, {}))


def _to_sign_in(response) -> bool:
    return response.status_code == 302 and "/clinic/login" in response.headers["Location"]


@pytest.mark.parametrize("endpoint, method", ROUTES)
def test_the_route_answers_whom_it_should_and_refuses_the_rest(world, endpoint, method):
    rule = _rule(world, endpoint)
    access = ACCESS[endpoint]
    for role in ROLES[access]:
        allowed = _open(world, role, rule, method)
        assert allowed.status_code not in (401, 403), (role, allowed.status_code)
        if access != PUBLIC:  # signing out ends, as it should, on the sign-in page
            assert not _to_sign_in(allowed), role
        if method == "GET" and endpoint != "api.not_found" and \
                (endpoint, allowed.status_code) not in DESIGNED:
            assert allowed.status_code in (200, 302), (role, allowed.status_code)
    if access == PATIENT:
        refused = _open(world, "patient", rule, method, token="not-a-real-link-0123456789")
        assert refused.status_code == 404
    elif access in (CLINICIAN, ADMIN):
        assert _to_sign_in(_open(world, "anonymous", rule, method))
        if access == ADMIN:
            assert _open(world, "clinician", rule, method).status_code == 403
    elif access == METRICS:
        assert _open(world, "anonymous", rule, method).status_code == 401
        wrong = world.client("anonymous").open(world.url(rule), method=method, headers={
            "Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
    elif access == API_KEY:
        refused = _open(world, "anonymous", rule, method)
        # FHIR routes (reads and the Appointment write) answer a FHIR OperationOutcome, the
        # rest problem details.
        fhir = rule.rule.startswith("/api/v1/fhir/")
        assert refused.status_code == 401 and refused.mimetype == (
            "application/fhir+json" if fhir else "application/problem+json")
        if fhir:
            assert refused.get_json()["resourceType"] == "OperationOutcome"
        wrong = world.client("anonymous").open(world.url(rule), method=method, headers={
            "Authorization": "Bearer pa_not-a-key"})
        assert wrong.status_code == 401


def test_no_test_module_imports_another():
    """Shared helpers live in helpers.py and route_map.py (the browser tests' in their
    conftest); no test module imports another, so each can be read and run on its own."""
    import ast

    here = Path(__file__).resolve().parent
    offenders = []
    for path in [*here.glob("test_*.py"), *here.glob("browser/test_*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            offenders += [f"{path.name}: {name}" for name in names
                          if name.rpartition(".")[2].startswith("test_")
                          or (name == "conftest" and path.parent == here)]
    assert offenders == []


def test_the_pending_role_is_on_the_second_sign_in_step(world):
    """Else the public routes would be tried as "pending" without the state it stands for."""
    code_page = world.client("pending").get("/clinic/login/code")
    assert code_page.status_code == 200 and 'name="code"' in code_page.get_data(as_text=True)
    assert world.client("anonymous").get("/clinic/login/code").status_code == 302
