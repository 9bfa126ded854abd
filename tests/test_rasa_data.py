"""`rasa data validate` is clean, and the responses it cannot see are really used by actions.

Rasa warns about every response that no story or rule mentions; responses that custom
actions render are invisible to it. Those warnings are allowed only for responses the action
server's code (or the response generator) names; any other warning fails.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
# Rasa adds each retrieval intent of the NLU data (payment_guide/<topic>) to the domain and
# warns that domain.yml lists it too; it must: payment_guide is a contract intent.
RETRIEVAL_INTENT_LISTED = re.compile(
    r"duplicated intents have been found across multiple domain files: payment_guide$"
)


def python_sources() -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for folder in ("actions", "addons", "channels")
        for path in (ROOT / folder).rglob("*.py")
    )


def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [str(ROOT / ".venv/bin/rasa"), "data", "validate", "--fail-on-warnings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]

    warnings = [line for line in output.splitlines() if "UserWarning" in line]
    sources = python_sources()
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    # forms ask for a slot with the response utter_ask_<slot>
    form_questions = {
        f"utter_ask_{slot}"
        for form in domain.get("forms", {}).values()
        for slot in form["required_slots"]
    }
    for line in warnings:
        if RETRIEVAL_INTENT_LISTED.search(line.strip()):
            continue
        match = UNUSED.search(line)
        assert match, f"unexpected validation warning: {line}"
        response = match.group(1)
        if response == "utter_default" or response in form_questions:
            continue  # Rasa's own core fallback response; questions the forms ask
        assert f'"{response}"' in sources, f"{response} is used nowhere"
