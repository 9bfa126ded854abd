"""``EEPAY_ENV=production``: every service refuses development, missing or weak secrets.

Each service is started as a real process, as the Procfiles start it, with production's
secrets except one: it must exit with a non-zero status within seconds, naming that variable
(never printing its value). With every secret its own, the cheap services start and serve;
the Rasa server's check runs before it loads anything, so ``run --help`` proves it passes.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service_kit import customer_token, production
from tests.support.processes import RASA_SERVER, ROOT, VENV_BIN, ServiceProcess, free_port

PYTHON = str(VENV_BIN / "python")
REFUSAL_SECONDS = 30  # a refusal comes in about a second; an old server would keep running


def strong() -> str:
    """A secret as docs/deploy.md generates it."""
    return secrets.token_urlsafe(48)


def wechat_token() -> str:
    return secrets.token_hex(16)  # 32 letters and digits


#: every secret the services use, each with a production value (generated once per run)
PRODUCTION_SECRETS = {
    "RASA_TOKEN": strong(),
    "CHAT_JWT_SECRET": strong(),
    "ACTION_SERVER_TOKEN": strong(),
    "BACKEND_API_TOKEN": strong(),
    "BACKEND_SECRET_KEY": strong(),
    "BACKEND_DESK_TOKEN": strong(),
    "BACKEND_WECHAT_TOKEN": strong(),
    "BACKEND_ADMIN_TOKEN": strong(),
    "DESK_SERVICE_TOKEN": strong(),
    "DESK_ADMIN_PASSWORD": strong(),
    "WECHAT_TOKEN": wechat_token(),
    "WECHAT_ENCODING_AES_KEY": secrets.token_urlsafe(32)[:43].replace("-", "A").replace("_", "B"),
    "WECHAT_APP_ID": "wx" + secrets.token_hex(8),
    "WECHAT_APP_SECRET": secrets.token_hex(16),
}


def development(name: str) -> str:
    """The value .env.example publishes for ``name``."""
    return production.development_values()[name]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A clean production environment: nothing inherited from whoever runs the tests but the
    system's, SQLite files in ``tmp_path``, ``overrides`` on top (``""`` removes a variable)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "EEPAY_ENV": "production",
        **PRODUCTION_SECRETS,
        # never the contract ports: a service that failed to refuse must not take them
        "BACKEND_PORT": str(free_port()),
        "DESK_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
        "BACKEND_DATABASE_URL": f"sqlite:///{tmp_path / 'backend.db'}",
        "BACKEND_ARGON2_TIME_COST": "1",
        "BACKEND_ARGON2_MEMORY_COST_KIB": "8192",
        "DESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "DESK_EVENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'events.db'}",
        "DESK_SYNC_INTERVAL_SECONDS": "0",
        "DESK_ARGON2_TIME_COST": "1",
        "DESK_ARGON2_MEMORY_COST_KIB": "8192",
        "DESK_ARGON2_PARALLELISM": "1",
        "HANDOFF_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value != ""}


def refusal(
    command: list[str], env: dict[str, str], timeout: float = REFUSAL_SECONDS
) -> tuple[int, str]:
    """Run ``command``; its exit status and output. Fails if it is still running after
    ``timeout`` seconds (it started instead of refusing)."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"{command} still runs after {timeout} s (no refusal):\n{output.decode()}")
    return process.returncode, output.decode(errors="replace")


def assert_refused(command: list[str], env: dict[str, str], *names: str) -> str:
    """The command exits non-zero, naming every variable of ``names`` on one line, and prints
    no secret value."""
    status, output = refusal(command, env)
    assert status != 0, output
    lines = [line for line in output.splitlines() if "refuses to start" in line]
    assert len(lines) == 1, output
    for name in names:
        assert name in lines[0], output
    for value in (*PRODUCTION_SECRETS.values(), *(env.get(name, "") for name in names)):
        if len(value) >= 8:
            assert value not in output
    return lines[0]


BACKEND = [PYTHON, "-m", "backend"]
DESK = [PYTHON, "-m", "desk"]
WEB = [PYTHON, "-m", "web"]


def actions_command(port: int) -> list[str]:
    return [PYTHON, "-m", "actions.server", "--actions", "actions", "--port", str(port)]


# --- the rules --------------------------------------------------------------------------------


def test_the_rules_name_what_is_wrong_and_never_the_value():
    secret = production.Secret("CHAT_JWT_SECRET")
    assert production.problem(secret, None) == "CHAT_JWT_SECRET is not set"
    assert production.problem(secret, "  ") == "CHAT_JWT_SECRET is not set"
    assert production.problem(secret, development("CHAT_JWT_SECRET")) == (
        "CHAT_JWT_SECRET has its development value"
    )
    assert production.problem(secret, "x" * 31) == "CHAT_JWT_SECRET is shorter than 32 characters"
    assert production.problem(secret, "x" * 32) is None
    assert production.problem(secret, "in-code", code_default="in-code") == (
        "CHAT_JWT_SECRET has its development value"
    )
    optional = production.Secret("DESK_METRICS_TOKEN", required=False)
    assert production.problem(optional, None) is None
    assert production.problem(optional, "short") == (
        "DESK_METRICS_TOKEN is shorter than 32 characters"
    )


def test_wechat_values_follow_wechats_rules_at_their_strong_end():
    token = production.Secret("WECHAT_TOKEN", production.wechat_token)
    assert production.problem(token, development("WECHAT_TOKEN"))
    assert production.problem(token, "abc123")  # WeChat accepts it; production does not
    assert production.problem(token, "a" * 33)
    assert production.problem(token, "has-a-dash-0123456789")
    assert production.problem(token, wechat_token()) is None
    key = production.Secret("WECHAT_ENCODING_AES_KEY", production.wechat_aes_key)
    assert production.problem(key, development("WECHAT_ENCODING_AES_KEY"))
    assert production.problem(key, "A" * 42)
    assert production.problem(key, PRODUCTION_SECRETS["WECHAT_ENCODING_AES_KEY"]) is None


def test_outside_production_nothing_is_refused():
    weak = {"CHAT_JWT_SECRET": development("CHAT_JWT_SECRET")}
    secret = [production.Secret("CHAT_JWT_SECRET")]
    production.refuse_development_secrets("test", secret, weak, production=False)
    with pytest.raises(production.ProductionRefusal) as refused:
        production.refuse_development_secrets("test", secret, weak, production=True)
    assert refused.value.code == 1
    assert "CHAT_JWT_SECRET has its development value" in str(refused.value)


def test_customer_tokens_never_use_the_public_secret_in_production(monkeypatch, caplog):
    monkeypatch.delenv("CHAT_JWT_SECRET", raising=False)
    monkeypatch.setenv("EEPAY_ENV", "production")
    with pytest.raises(customer_token.MissingSecret):
        customer_token.mint("u1001")
    forged = customer_token.mint("u1001", secret=customer_token.DEV_SECRET)
    with pytest.raises(customer_token.MissingSecret):
        customer_token.verify(forged)
    monkeypatch.setenv("CHAT_JWT_SECRET", customer_token.DEV_SECRET)
    with pytest.raises(customer_token.MissingSecret):
        customer_token.verify(forged)
    monkeypatch.setenv("CHAT_JWT_SECRET", PRODUCTION_SECRETS["CHAT_JWT_SECRET"])
    assert customer_token.verify(forged) is None
    assert customer_token.verify(customer_token.mint("u1001")) == "u1001"


def test_outside_production_the_development_secret_is_logged_as_such(monkeypatch, caplog):
    monkeypatch.delenv("CHAT_JWT_SECRET", raising=False)
    monkeypatch.delenv("EEPAY_ENV", raising=False)
    monkeypatch.setattr(customer_token, "_warned_development_secret", False)
    with caplog.at_level(logging.WARNING, logger=customer_token.__name__):
        assert customer_token.verify(customer_token.mint("u1001")) == "u1001"
    assert "public development CHAT_JWT_SECRET" in caplog.text


def test_the_rasa_servers_secrets_follow_its_command_line_and_credentials(tmp_path: Path):
    from addons.rasa_launcher import server_secrets  # imports Rasa: only for this test

    env = production_env(tmp_path)
    run = ["run", "--enable-api", f"--auth-token={env['RASA_TOKEN']}"]
    names, values = server_secrets([*run, "--credentials", str(ROOT / "credentials.yml")], env)
    assert production.problems(names, values) == []
    # the token that guards the HTTP API is the one on the command line
    names, values = server_secrets(["run", "--enable-api", "--auth-token", "short"], env)
    assert production.problems(names, values) == ["RASA_TOKEN is shorter than 32 characters"]
    # credentials.yml's WeChat keys override the environment's
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "channels.rest.RestInput:\nchannels.wechat.WeChatInput:\n  token: devwechattoken\n"
    )
    names, values = server_secrets(["run", "--credentials", str(credentials)], env)
    assert production.problems(names, values) == ["WECHAT_TOKEN has its development value"]
    # no WeChat channel, no WeChat secrets
    credentials.write_text("channels.rest.RestInput:\n")
    names, values = server_secrets(["run", "--credentials", str(credentials)], {})
    assert production.problems(names, values) == [
        "CHAT_JWT_SECRET is not set",
        "ACTION_SERVER_TOKEN is not set",
    ]


# --- each service, as a real process ----------------------------------------------------------


def test_backend_refuses_a_development_secret(tmp_path: Path):
    env = production_env(tmp_path, BACKEND_SECRET_KEY=development("BACKEND_SECRET_KEY"))
    assert_refused(BACKEND, env, "BACKEND_SECRET_KEY")
    assert not (tmp_path / "backend.db").exists(), "refused before touching the database"
    assert_refused(BACKEND, production_env(tmp_path, BACKEND_API_TOKEN=""), "BACKEND_API_TOKEN")


def test_backend_refuses_the_test_switch_in_production(tmp_path: Path):
    env = production_env(tmp_path, BACKEND_ENABLE_TEST_ENDPOINTS="1")
    assert_refused(BACKEND, env, "BACKEND_ENABLE_TEST_ENDPOINTS")


@pytest.fixture
def production_backend(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = production_env(tmp_path, BACKEND_PORT=str(port))
    url = f"http://127.0.0.1:{port}"
    with ServiceProcess("backend-production", BACKEND, f"{url}/healthz", env=env, timeout=60):
        yield url


def test_backend_in_production_hides_its_docs_and_has_no_admin_routes(production_backend: str):
    def bearer(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {PRODUCTION_SECRETS[name]}"}

    with httpx.Client(base_url=production_backend, timeout=10) as http:
        assert http.get("/v1/customers/u1001", headers=bearer("BACKEND_API_TOKEN")).is_success
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert http.get(path).status_code == 404, path
        # not even the operator's token reaches them: they do not exist
        for path in ("/v1/admin/demo/reset", "/v1/admin/refunds/RF2026112300001/advance"):
            assert http.post(path, headers=bearer("BACKEND_ADMIN_TOKEN")).status_code == 404
            assert http.post(path, headers=bearer("BACKEND_API_TOKEN")).status_code in (403, 404)


def test_desk_refuses_the_published_supervisor_password(tmp_path: Path):
    env = production_env(tmp_path, DESK_ADMIN_PASSWORD=development("DESK_ADMIN_PASSWORD"))
    assert_refused(DESK, env, "DESK_ADMIN_PASSWORD")
    assert not (tmp_path / "desk.db").exists(), "no supervisor was created"
    env = production_env(tmp_path, RASA_TOKEN=development("RASA_TOKEN"), DESK_SERVICE_TOKEN="")
    assert_refused(DESK, env, "RASA_TOKEN", "DESK_SERVICE_TOKEN")


def test_desk_starts_with_production_secrets_without_docs(tmp_path: Path):
    port = free_port()
    env = production_env(tmp_path, DESK_PORT=str(port))
    url = f"http://127.0.0.1:{port}"
    with ServiceProcess("desk-production", DESK, f"{url}/healthz", env=env, timeout=60):
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert httpx.get(f"{url}{path}", timeout=10).status_code == 404, path
    # once the supervisor exists, the desk needs no password to start
    env = production_env(tmp_path, DESK_PORT=str(port), DESK_ADMIN_PASSWORD="")
    assert_refused(DESK, env, "DESK_ADMIN_PASSWORD")
    env["DESK_CREATE_ADMIN_ON_START"] = "false"
    with ServiceProcess("desk-production", DESK, f"{url}/healthz", env=env, timeout=60):
        pass


def test_web_refuses_the_development_secret(tmp_path: Path):
    env = production_env(tmp_path, CHAT_JWT_SECRET=development("CHAT_JWT_SECRET"))
    assert_refused(WEB, env, "CHAT_JWT_SECRET")


def test_web_in_production_serves_the_widget_and_mints_nothing(tmp_path: Path):
    port = free_port()
    env = production_env(tmp_path, WEB_PORT=str(port), CHAT_JWT_SECRET="")
    url = f"http://127.0.0.1:{port}"
    with ServiceProcess("web-production", WEB, f"{url}/healthz", env=env, timeout=60):
        assert httpx.get(f"{url}/widget/eepay-chat.js", timeout=10).status_code == 200
        for path in ("/", "/?customer=u1001", "/demo/demo.css", "/docs", "/openapi.json"):
            page = httpx.get(f"{url}{path}", timeout=10)
            assert page.status_code == 404, path
            assert "customer-token" not in page.text


def test_action_server_refuses_a_development_secret(tmp_path: Path):
    env = production_env(tmp_path, CHAT_JWT_SECRET=development("CHAT_JWT_SECRET"))
    assert_refused(actions_command(free_port()), env, "CHAT_JWT_SECRET")
    env = production_env(
        tmp_path,
        ACTION_SERVER_TOKEN="too-short",
        DESK_SERVICE_TOKEN=development("DESK_SERVICE_TOKEN"),
    )
    line = assert_refused(actions_command(free_port()), env, "ACTION_SERVER_TOKEN")
    assert "DESK_SERVICE_TOKEN has its development value" in line
    assert "shorter than 32 characters" in line


def test_action_server_starts_with_production_secrets(tmp_path: Path):
    port = free_port()
    env = production_env(tmp_path)
    with ServiceProcess(
        "actions-production", actions_command(port), f"http://127.0.0.1:{port}/health", env=env
    ):
        pass


def test_rasa_server_refuses_a_development_secret_before_loading_anything(tmp_path: Path):
    env = production_env(tmp_path, WECHAT_TOKEN=development("WECHAT_TOKEN"))
    command = [*RASA_SERVER, "run", "--enable-api", "--auth-token", env["RASA_TOKEN"]]
    command += ["--model", "models/eepay.tar.gz", "--port", str(free_port())]
    assert_refused(command, env, "WECHAT_TOKEN")
    development_token = [*command[:-1], str(free_port())]
    development_token[development_token.index("--auth-token") + 1] = development("RASA_TOKEN")
    assert_refused(development_token, production_env(tmp_path), "RASA_TOKEN")


def test_rasa_server_passes_the_check_with_production_secrets(tmp_path: Path):
    env = production_env(tmp_path)
    # "=": a generated secret may start with "-", which argparse would take for an option
    command = [*RASA_SERVER, "run", "--enable-api", f"--auth-token={env['RASA_TOKEN']}", "--help"]
    status, output = refusal(command, env, timeout=120)  # Rasa's imports take seconds
    assert status == 0 and "--enable-api" in output, output
