"""The container and the service files: the Dockerfile's own commands run against a temporary
database, the image built and asked for /healthz where a Docker daemon runs, and compose.yaml,
the Caddyfile, the systemd units and the README checked against each other and the app."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from helpers import free_port
from helpers import http_get as get

from patientapp.config import PROJECT_ROOT
from patientapp.db import connect
from patientapp.migrations import migrations

SECRET = "deploy-test-secret-key-0123456789abcdef"  # nosec B105
TOKEN = "deploy-test-metrics-token-0123456789"  # nosec B105
UNITS = PROJECT_ROOT / "deploy" / "systemd"
WAIT_SECONDS = 60


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (PROJECT_ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in lines if line and not line.startswith("#")]


def instruction(name: str) -> list[str]:
    return [args for key, args in dockerfile() if key == name]


def docker_env() -> dict[str, str]:
    env = {}
    for args in instruction("ENV"):
        env.update(token.split("=", 1) for token in shlex.split(args))
    return env


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"use the exec form (a JSON list): {args}"
    return value


def healthcheck() -> list[str]:
    [args] = instruction("HEALTHCHECK")
    return exec_form(args.split(" CMD ", 1)[1])[:]


def app_port() -> str:
    cmd = exec_form(instruction("CMD")[-1])
    return cmd[cmd.index("--bind") + 1].rsplit(":", 1)[1]


# --- the Dockerfile's commands, run here ---------------------------------------------------

class Container:
    """The image's ENV, WORKDIR, ENTRYPOINT and CMD, with its paths mapped to a temp folder."""

    def __init__(self, tmp_path: Path, port: int):
        self.port, self.tmp = port, tmp_path
        [workdir] = instruction("WORKDIR")
        self.paths = {workdir: str(PROJECT_ROOT)}
        self.env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                    "PATIENTAPP_SECRET_KEY": SECRET, "PATIENTAPP_METRICS_TOKEN": TOKEN,
                    "PATIENTAPP_BASE_URL": "https://skema.deploy.example",
                    # a mail server is required in production (nothing is due, none is used)
                    "PATIENTAPP_SMTP_HOST": "smtp.deploy.example",
                    "PATIENTAPP_MAIL_FROM": "skema@deploy.example"}
        for key, value in docker_env().items():
            if value.startswith("/") and not value.startswith(workdir):
                folder = str(Path(value).parent) if Path(value).suffix else value
                self.paths.setdefault(folder, str(tmp_path / folder.strip("/").replace("/", "_")))
            self.env[key] = self.host(value)
        for folder in self.paths.values():  # as the image's RUN mkdir does
            Path(folder).mkdir(parents=True, exist_ok=True)

    def host(self, value: str) -> str:
        """A container path or address as it is here."""
        for inside, outside in sorted(self.paths.items(), key=lambda kv: -len(kv[0])):
            if value == inside or value.startswith(inside + "/"):
                value = outside + value[len(inside):]
                break
        value = value.replace(":" + app_port(), f":{self.port}")
        return value.replace("0.0.0.0:", "127.0.0.1:")  # nosec B104  # only loopback here

    def entrypoint(self) -> list[str]:
        [target] = exec_form(instruction("ENTRYPOINT")[-1])
        for args in instruction("COPY"):
            source, destination = args.split()[-2:]
            if destination == target or destination.endswith("/" + target):
                return ["sh", str(PROJECT_ROOT / source)]
        raise AssertionError(f"ENTRYPOINT {target} is not copied into the image")

    def command(self, command: list[str]) -> list[str]:
        return self.entrypoint() + [self.host(part) for part in command]


@pytest.fixture
def container(tmp_path):
    return Container(tmp_path, free_port())


def wait_healthy(container: Container, server: subprocess.Popen) -> None:
    probe = [container.host(part) for part in healthcheck()]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        if subprocess.run(probe, env=container.env, capture_output=True).returncode == 0:
            return
        time.sleep(0.3)
    raise AssertionError("HEALTHCHECK never passed")


def test_the_images_commands_start_a_ready_app_and_worker(container):
    cmd = exec_form(instruction("CMD")[-1])
    server = subprocess.Popen(container.command(cmd), cwd=PROJECT_ROOT, env=container.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    try:
        wait_healthy(container, server)
        database = container.env["PATIENTAPP_DATABASE"]
        assert database.startswith(str(container.tmp))
        db = connect(database)
        assert migrations.pending(db) == []  # the entrypoint ran init-db
        db.close()
        status, body = get(container.port, "/readyz")
        assert status == 503 and json.loads(body)["failing"] == ["worker"]

        worker = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())[
            "services"]["worker"]["command"]
        done = subprocess.run(container.command([*worker, "--once"]), cwd=PROJECT_ROOT,
                              env=container.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        status, body = get(container.port, "/readyz")
        assert status == 200, body
        status, body = get(container.port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and "patientapp_http_requests_total" in body
        assert list(Path(container.env["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output


def test_the_image_runs_as_a_user_with_its_data_on_volumes():
    [base] = instruction("FROM")
    assert re.fullmatch(r"python:3\.1[12]-slim", base)
    [user] = instruction("USER")
    assert user not in ("root", "0")
    volumes = exec_form(instruction("VOLUME")[-1])
    assert str(Path(docker_env()["PATIENTAPP_DATABASE"]).parent) in volumes
    assert "gunicorn" in exec_form(instruction("CMD")[-1])
    assert "/healthz" in " ".join(healthcheck())
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for private in (".git", ".venv", "instance", ".env", "*.sqlite3"):
        assert private in ignored
    for args in instruction("COPY"):
        for source in args.split()[:-1]:
            assert (PROJECT_ROOT / source).exists(), source


# --- the image itself, where Docker runs ----------------------------------------------------

def docker_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed"
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "the docker daemon does not answer"
    if info.returncode != 0:
        lines = (info.stderr or info.stdout).strip().splitlines()
        return "no docker daemon: " + (lines[-1] if lines else f"exit code {info.returncode}")
    return None


def test_the_image_builds_and_answers_healthz():
    reason = docker_unavailable()
    if reason:
        # Skipped only when no daemon runs, in CI too; the reason is printed (pytest -ra).
        print(f"test_the_image_builds_and_answers_healthz skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    tag = f"patientapp-test:{secrets.token_hex(4)}"
    port = free_port()
    build = subprocess.run(["docker", "build", "-t", tag, str(PROJECT_ROOT)],
                           capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    name = tag.replace(":", "-")
    try:
        run = subprocess.run(["docker", "run", "-d", "--name", name, "-e",
                              f"PATIENTAPP_SECRET_KEY={SECRET}", "-e",
                              "PATIENTAPP_BASE_URL=https://skema.deploy.example", "-p",
                              f"127.0.0.1:{port}:{app_port()}", tag],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        deadline, status = time.monotonic() + WAIT_SECONDS, None
        while time.monotonic() < deadline and status != 200:
            try:
                status, body = get(port, "/healthz")
            except OSError:
                time.sleep(0.5)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        uid = subprocess.run(["docker", "exec", name, "id", "-u"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
        assert uid and uid != "0"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=60)


# --- compose, Caddy, systemd and the README agree ------------------------------------------

def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())


def unit(name: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def test_compose_runs_app_worker_and_caddy_on_one_database_volume():
    services = compose()["services"]
    assert set(services) == {"app", "worker", "caddy"}
    app, worker, caddy = services["app"], services["worker"], services["caddy"]
    data_dir = str(Path(docker_env()["PATIENTAPP_DATABASE"]).parent)
    for service in (app, worker):
        assert f"data:{data_dir}" in service["volumes"]
        assert service["environment"]["PATIENTAPP_PROXY_COUNT"] == "1"
    assert "data" in compose()["volumes"]
    assert worker["image"] == app["image"] and worker["command"][-1] == "worker"
    assert worker["depends_on"]["app"]["condition"] == "service_healthy"
    assert worker["stop_signal"] == "SIGTERM"
    assert "443:443" in caddy["ports"]
    caddyfile = (PROJECT_ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(rf"reverse_proxy app:{app_port()}\b", caddyfile)
    assert "log" not in re.sub(r"#.*", "", caddyfile)  # no access log: URLs hold links


def test_the_systemd_units_start_the_web_app_and_the_worker():
    web, worker = unit("patientapp-web.service"), unit("patientapp-worker.service")
    for entries in (web, worker):
        assert entries["User"] == ["patientapp"] and entries["EnvironmentFile"]
    assert any("init-db" in line for line in web["ExecStartPre"])
    assert "gunicorn" in web["ExecStart"][0] and web["ExecStart"][0].endswith("wsgi:app")
    assert worker["ExecStart"][0].endswith("flask --app patientapp worker")
    assert worker["KillSignal"] == ["SIGTERM"] and int(worker["TimeoutStopSec"][0]) >= 60


def test_every_command_the_deployment_runs_exists(app):
    """Each `flask --app patientapp X` in the units, compose and the entrypoint is real."""
    texts = [p.read_text() for p in (*UNITS.glob("*.service"), PROJECT_ROOT / "compose.yaml",
                                     PROJECT_ROOT / "deploy" / "docker-entrypoint.sh")]
    named = set(re.findall(r"flask[\"',\s]+--app[\"',\s]+patientapp[\"',\s]+([\w-]+)",
                           "\n".join(texts)))
    assert named >= {"init-db", "worker", "check"}
    assert named <= set(app.cli.list_commands(None)), named


def test_the_readme_shows_both_routes_and_no_cron_lines():
    readme = (PROJECT_ROOT / "README.md").read_text()
    for needed in ("docker compose up", "deploy/systemd/patientapp-web.service",
                   "deploy/systemd/patientapp-worker.service"):
        assert needed in readme, needed
    cron = re.compile(r"^([\d*/,-]+\s+){5}\S")
    lines = [line for line in readme.splitlines() if cron.match(line.strip("` "))]
    assert lines and all("worker --once" in line for line in lines), lines
    assert ".timer" not in readme
