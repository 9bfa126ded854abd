"""The Jinja environment of a service's HTML pages, with the page frame every service shares
(``templates/page.html``: extend it and fill its blocks)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

SHARED_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def template_environment(templates_dir: Path) -> Environment:
    """The service's own templates first, then the shared ones; every value is autoescaped, so
    customer text is always rendered as text."""
    return Environment(
        loader=FileSystemLoader([str(templates_dir), str(SHARED_TEMPLATES_DIR)]),
        autoescape=select_autoescape(["html"], default=True, default_for_string=True),
    )
