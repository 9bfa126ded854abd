"""``EEPAY_ENV=production``: refuse to start with a development, missing or weak secret.

Every development value of this project is published (``.env.example``, the code's defaults):
anyone who reads the repository can mint customer tokens with the development
``CHAT_JWT_SECRET`` or call a service with its development token. So in production each
service names the secrets it uses (:class:`Secret`) and calls
:func:`refuse_development_secrets` at start-up, before it loads anything slow; one log line
then names every offending variable (never its value) and the process exits with status 1.

The rules (docs/deploy.md says how to generate each value):

* every secret must be set, and differ from the value ``.env.example`` ships and from the
  default the code would use without it;
* random secrets (HMAC and JWT keys, bearer tokens): at least :data:`MIN_SECRET_CHARS`
  characters;
* WeChat's token: 16 to 32 letters or digits (WeChat accepts 3-32; production wants the long
  end); WeChat's EncodingAESKey: 43 Base64 characters;
* a password used to create an account: at least :data:`MIN_PASSWORD_CHARS` characters.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

ENV_VARIABLE = "EEPAY_ENV"
PRODUCTION = "production"
ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"
MIN_SECRET_CHARS = 32
MIN_PASSWORD_CHARS = 16

logger = logging.getLogger("eepay.production")

#: a rule returns why a (set, non-development) value is unfit, or None
Rule = Callable[[str], Optional[str]]


def random_secret(value: str) -> Optional[str]:
    """HMAC and JWT keys and bearer tokens: long enough that guessing is hopeless."""
    if len(value) < MIN_SECRET_CHARS:
        return f"is shorter than {MIN_SECRET_CHARS} characters"
    return None


def wechat_token(value: str) -> Optional[str]:
    """WeChat's server-configuration token: WeChat allows 3-32 letters or digits; production
    takes at least 16 of them, since the plaintext signature is only as strong as the token."""
    if not re.fullmatch(r"[A-Za-z0-9]{16,32}", value):
        return "is not 16-32 letters or digits"
    return None


def wechat_aes_key(value: str) -> Optional[str]:
    """WeChat's EncodingAESKey: 43 Base64 characters (a 32-byte AES key without its '=')."""
    if not re.fullmatch(r"[A-Za-z0-9+/]{43}", value):
        return "is not 43 Base64 characters"
    return None


def issued_value(_value: str) -> Optional[str]:
    """A value someone else issues (WeChat's AppID and AppSecret): set and not ours is enough."""
    return None


def password(value: str) -> Optional[str]:
    """A password a service creates an account with."""
    if len(value) < MIN_PASSWORD_CHARS:
        return f"is shorter than {MIN_PASSWORD_CHARS} characters"
    return None


@dataclass(frozen=True)
class Secret:
    """One secret a service uses: its environment variable, the rule for its value, and the
    settings field that holds it (for services with a typed settings object).

    An optional secret (``required=False``) may be unset; when set it must meet the rule.
    """

    name: str
    rule: Rule = random_secret
    field: Optional[str] = None
    required: bool = True


def is_production(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``EEPAY_ENV`` says production."""
    return (environ.get(ENV_VARIABLE) or "").strip().lower() == PRODUCTION


@lru_cache(maxsize=1)
def development_values() -> Mapping[str, str]:
    """Every ``NAME=value`` line of .env.example: the published development settings."""
    values: dict[str, str] = {}
    try:
        lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    except OSError:
        return values  # a deployment without the example file: the code defaults still count
    for line in lines:
        match = re.fullmatch(r"\s*([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            values[match.group(1)] = match.group(2).strip().strip("'\"")
    return values


def problem(
    secret: Secret, value: Optional[str], code_default: Optional[str] = None
) -> Optional[str]:
    """Why ``value`` is unfit for ``secret`` in production (``"X is not set"``...), or None.

    ``code_default`` is what the service would use if the variable were unset: a development
    value too."""
    value = (value or "").strip()
    if not value:
        return f"{secret.name} is not set" if secret.required else None
    if value == development_values().get(secret.name) or value == code_default:
        return f"{secret.name} has its development value"
    reason = secret.rule(value)
    return f"{secret.name} {reason}" if reason else None


def problems(secrets: Iterable[Secret], source: Any = None) -> list[str]:
    """The problems of ``secrets`` as ``source`` holds them.

    ``source`` is a mapping of variable name to value (default: the environment; e.g. with a
    configuration file's values on top), or a pydantic settings object holding each secret in
    ``Secret.field``, where a field still at its declared default counts as a development value.
    """
    source = os.environ if source is None else source
    found = []
    for secret in secrets:
        if isinstance(source, Mapping):
            reason = problem(secret, source.get(secret.name))
        else:
            field_name = secret.field or secret.name.lower()
            default = source.__fields__[field_name].default
            reason = problem(secret, getattr(source, field_name), default or None)
        if reason:
            found.append(reason)
    return found


class ProductionRefusal(SystemExit):
    """The service refuses to start in production; the exit status is 1."""

    def __init__(self, service: str, problems: list[str]) -> None:
        super().__init__(1)
        self.problems = problems
        self.message = (
            f"{service} refuses to start with {ENV_VARIABLE}={PRODUCTION}: "
            + "; ".join(problems)
            + " (docs/deploy.md says how to generate each secret)"
        )

    def __str__(self) -> str:
        return self.message


def refuse_development_secrets(
    service: str,
    secrets: Iterable[Secret],
    source: Any = None,
    *,
    also: Iterable[str] = (),
    production: Optional[bool] = None,
) -> None:
    """In production, if any of ``secrets`` (read from ``source``, see :func:`problems`) is
    unfit, or ``also`` names another unfit setting, log one line naming them all and raise
    :class:`ProductionRefusal` (exit status 1). Outside production do nothing.

    ``production`` defaults to what ``EEPAY_ENV`` says.
    """
    if not (is_production() if production is None else production):
        return
    found = problems(secrets, source) + list(also)
    if found:
        refusal = ProductionRefusal(service, found)
        logger.critical(refusal.message)
        raise refusal
