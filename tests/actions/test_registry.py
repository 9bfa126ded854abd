"""Every custom action the domain names is served by the action server, and nothing else."""

from rasa_sdk.executor import ActionExecutor

from .conftest import DOMAIN


def test_action_server_serves_exactly_the_domain_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    custom = {a for a in DOMAIN["actions"] if a.startswith(("action_", "validate_"))}
    assert custom == set(executor.actions)
