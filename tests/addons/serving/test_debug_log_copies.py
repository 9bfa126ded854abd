"""Deep copies skipped outside debug logging are only ever debug-log arguments."""

import ast
import copy
import inspect
import logging

import pytest
import rasa.core.processor
import structlog

from addons.serving import debug_log_copies


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(debug_log_copies)


def _debug_log_calls_and_deepcopies(tree):
    """(deepcopy calls inside ``structlogger.debug(...)``, all deepcopy calls) of a module."""

    def is_call_to(node, owner, name):
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == name
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == owner
        )

    inside_debug = {
        id(inner)
        for node in ast.walk(tree)
        if is_call_to(node, "structlogger", "debug")
        for inner in ast.walk(node)
        if is_call_to(inner, "copy", "deepcopy")
    }
    every = [node for node in ast.walk(tree) if is_call_to(node, "copy", "deepcopy")]
    return inside_debug, every


@pytest.mark.parametrize(
    "module", debug_log_copies.DEBUG_LOG_COPY_MODULES, ids=lambda m: m.__name__
)
def test_deep_copies_skipped_are_only_debug_log_arguments(module):
    inside_debug, every = _debug_log_calls_and_deepcopies(ast.parse(inspect.getsource(module)))
    assert every, "the module no longer deep-copies: drop it from DEBUG_LOG_COPY_MODULES"
    assert [n.lineno for n in every if id(n) not in inside_debug] == []
    assert module.copy.copy is copy.copy  # everything else is the real copy module


@pytest.fixture
def log_level():
    """Sets Rasa's structlog level for one test, then restores the configuration."""
    from rasa.utils.log_utils import configure_structlog

    saved = structlog.get_config()
    yield configure_structlog
    structlog.configure(**saved)


def test_debug_log_copies_are_real_copies_only_while_debug_logging(log_level):
    copies = rasa.core.processor.copy
    value = {"states": [{"user": {"intent": "greet"}}]}
    log_level(logging.INFO)
    assert not debug_log_copies.debug_logging_enabled()
    assert copies.deepcopy(value) is value
    log_level(logging.DEBUG)
    assert debug_log_copies.debug_logging_enabled()
    duplicate = copies.deepcopy(value)
    assert duplicate == value and duplicate is not value
    assert duplicate["states"][0] is not value["states"][0]
