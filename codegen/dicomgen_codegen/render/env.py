"""The jinja2 environment: StrictUndefined, our filters, templates beside this file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from dicomgen.core.errors import GenerationError

from .filters import FILTERS
from .sr_filters import SR_FILTERS

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    env.filters.update(SR_FILTERS)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``template`` (a file under templates/) or fail with a GenerationError."""
    try:
        return environment().get_template(template).render(**context)
    except jinja2.TemplateError as exc:
        raise GenerationError(f"template {template}: {exc}") from None
