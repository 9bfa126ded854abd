"""``Domain.is_empty`` answered without serialising two domains when the domain has responses.

Target: ``Domain.is_empty``.

Why: ``MessageProcessor._check_for_unseen_features`` asks ``Domain.is_empty`` on every
message, and Rasa answers by serialising the whole domain and a freshly built empty one to
compare them.

Why it is equivalent: a domain with responses is not the empty domain (whose responses are
empty), so that answer comes without the comparison; other domains are still compared by
Rasa's method.
"""

from __future__ import annotations

from rasa.shared.core.domain import Domain

from addons.serving.patching import Patch


def domain_is_empty(self: Domain) -> bool:
    """Rasa's answer; a domain with responses is never the (response-less) empty domain."""
    if self.responses:
        return False
    return PATCH.original(self)


PATCH = Patch(
    "rasa.shared.core.domain.Domain.is_empty",
    domain_is_empty,
    reviewed={
        "rasa.shared.core.domain.Domain.is_empty": "74f33f86a07d4c44",
        "rasa.shared.core.domain.Domain.empty": "e037173ba87dc32e",
    },
)
PATCHES = (PATCH,)


def install() -> None:
    """Replaces Rasa's emptiness check (idempotent)."""
    PATCH.install()
