"""Every custom action the domain names is served by the action server, and nothing else."""

from rasa_sdk import FormValidationAction
from rasa_sdk.executor import ActionExecutor

from .conftest import DOMAIN


def test_action_server_serves_exactly_the_domain_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    # an entry is a name, or {name: {send_domain: true}} for the actions that read the domain
    names = {a if isinstance(a, str) else next(iter(a)) for a in DOMAIN["actions"]}
    custom = {a for a in names if a.startswith(("action_", "validate_"))}
    assert custom == set(executor.actions)


def test_the_domain_goes_only_to_the_form_validators():
    # rasa-sdk's FormValidationAction reads the form's required slots from the domain; the
    # other actions do not get it (endpoints.yml: enable_selective_domain)
    wanting = {next(iter(a)) for a in DOMAIN["actions"] if isinstance(a, dict)}
    executor = ActionExecutor()
    executor.register_package("actions")
    validators = {
        name
        for name, action in executor.actions.items()
        if isinstance(getattr(action, "__self__", None), FormValidationAction)
    }
    assert validators and wanting == validators
