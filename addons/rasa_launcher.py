"""``rasa`` with eepay's patches of Rasa installed, and skops' type tables built before Rasa
imports TensorFlow.

    .venv/bin/python -m addons.rasa_launcher run --model models/eepay.tar.gz ...

The Procfiles, tests and benchmarks start the Rasa server this way; it takes the same
arguments as the ``rasa`` command.

Patches: ``addons.serving.install_all`` runs once, before Rasa parses its arguments and so
before it builds any agent: the patches that wrap the agent (``addons.serving.sole_writer``)
must be in place when the server's agent is built, and the version check must stop a server
on an unreviewed Rasa before it serves anything (``RASA_PATCHES=off`` runs it unpatched).
Rasa's logging is set up first, so the line naming the installed patches is in the log.

skops: the intent classifier's model is stored with skops, and
``skops.io`` builds its table of trusted numpy and scipy types on import by looking each
function up in every loaded module (``skops.io._utils.whichmodule``). Imported where Rasa
first needs it, after TensorFlow has loaded some 5,700 modules (many of them lazy wrappers
that import more when looked into), that took about half of the server's cold start; imported
first it is quick, and builds the same table (tests/addons/serving/test_rasa_launcher.py).

Production: with ``EEPAY_ENV=production``, ``run`` refuses to start (exit status 1, one log
line naming each variable) while a secret the server uses is missing, has its development
value or is too weak (``service_kit.production``). The check runs before the imports below,
which take seconds: a server that may not start says so at once.

JAX is kept out. TensorFlow 2.12 depends on it only for one TFLite conversion helper, which
it imports if it can (``tensorflow/lite/python/util.py``) and otherwise goes without; eepay
never converts models to TFLite. Importing it anyway cost start-up time, its XLA runtime's
memory, and a callback JAX adds to every garbage collection.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

from service_kit import production

#: what every Rasa server holds: the key of the customer tokens (the REST channel verifies
#: them, the WeChat channel mints them) and the secret it presents to the action server
#: (endpoints.yml); RASA_TOKEN guards the HTTP API when ``--enable-api`` opens it
SERVER_SECRETS = (production.Secret("CHAT_JWT_SECRET"), production.Secret("ACTION_SERVER_TOKEN"))
API_SECRET = production.Secret("RASA_TOKEN")
#: what the WeChat channel holds when credentials.yml configures it, by its credentials key
WECHAT_SECRETS = {
    "token": production.Secret("WECHAT_TOKEN", production.wechat_token),
    "encoding_aes_key": production.Secret("WECHAT_ENCODING_AES_KEY", production.wechat_aes_key),
    "app_id": production.Secret("WECHAT_APP_ID", production.issued_value),
    "app_secret": production.Secret("WECHAT_APP_SECRET", production.issued_value),
}
#: the channel's token for its openid lookups (channels/wechat_bindings.py)
WECHAT_BACKEND_SECRET = production.Secret("BACKEND_WECHAT_TOKEN")


def option(argv: Sequence[str], name: str) -> Optional[str]:
    """The value of ``--name value`` or ``--name=value`` in ``argv``; None when absent."""
    for index, argument in enumerate(argv):
        if argument == name and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith(name + "="):
            return argument[len(name) + 1 :]
    return None


def wechat_credentials(path: Path) -> Optional[dict[str, Any]]:
    """The WeChat channel's block of a credentials file ({} when empty), or None when the file
    does not configure the channel."""
    import yaml

    try:
        channels = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None  # Rasa itself reports an unreadable file
    for name, block in channels.items():
        if str(name).endswith("WeChatInput"):
            return block or {}
    return None


def server_secrets(
    argv: Sequence[str], environ: Mapping[str, str] = os.environ
) -> tuple[list[production.Secret], dict[str, Optional[str]]]:
    """The secrets ``rasa run`` with ``argv`` would use, and their values: the environment's,
    with ``--auth-token`` and the credentials file's WeChat block (whose keys override the
    channel's variables) on top."""
    values: dict[str, Optional[str]] = dict(environ)
    secrets = list(SERVER_SECRETS)
    if "--enable-api" in argv:
        secrets.append(API_SECRET)
        values[API_SECRET.name] = option(argv, "--auth-token")
    wechat = wechat_credentials(Path(option(argv, "--credentials") or "credentials.yml"))
    if wechat is not None:
        secrets.extend([*WECHAT_SECRETS.values(), WECHAT_BACKEND_SECRET])
        for key, value in wechat.items():
            if key in WECHAT_SECRETS and isinstance(value, str) and not value.startswith("${"):
                values[WECHAT_SECRETS[key].name] = value
    return secrets, values


def refuse_development_secrets(argv: Sequence[str]) -> None:
    """``rasa run`` in production: exit while a secret it uses is unfit (see the docstring)."""
    if production.is_production() and argv[:1] == ["run"] and argv[1:2] != ["actions"]:
        production.refuse_development_secrets("rasa", *server_secrets(argv))


if __name__ == "__main__":
    refuse_development_secrets(sys.argv[1:])

import skops.io  # noqa: E402, F401  (first of the heavy imports: see above)

sys.modules.setdefault("jax", None)  # type: ignore[arg-type]  # "import jax" fails: see above

from rasa.__main__ import main  # noqa: E402  (after the two lines above)
from rasa.utils.io import configure_colored_logging  # noqa: E402

from addons import serving  # noqa: E402


def launch() -> None:
    """Installs the patches, then runs the ``rasa`` command line."""
    # Rasa's own set-up of the log (LOG_LEVEL, default INFO); main() repeats it with the
    # command's --debug / --quiet, replacing this handler
    configure_colored_logging(None)
    serving.install_all()
    main()


if __name__ == "__main__":
    launch()
