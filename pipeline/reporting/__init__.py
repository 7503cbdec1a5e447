"""Publishing: what notebooks show, how executed notebooks become pages, and how packs are built.

The three modules split by concern:

- :mod:`pipeline.reporting.display` — what a notebook calls to show a result (``show_figure``,
  ``show_table``, ``show_key_messages``, ``show_markdown``, ``show_note``). Every helper displays
  one HTML block whose output metadata carries the marker ``{"pipeline": {"kind": ...}}``.
- :mod:`pipeline.reporting.export` — one executed notebook to one HTML page: code hidden,
  one ``<h1>``, a table of contents, a provenance footer, no network use, byte-identical on
  re-runs. Only outputs made by the display helpers are published; anything else fails loudly.
- :mod:`pipeline.reporting.pack` — the published folder: the county index, each district's
  front page, the CSV and Excel downloads and the manifest.

Templates (jinja2, autoescaped) and the shared ``style.css`` live in ``templates/`` beside this
file; :func:`template_environment` loads them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

TEMPLATES_DIR: Path = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def template_environment() -> jinja2.Environment:
    """The jinja2 environment for every page and fragment: HTML autoescaping always on.

    Autoescaping is on for every template, whatever its file name, so any value that comes from
    data (area names, indicator titles, config values) is escaped unless a template marks it
    ``|safe`` on purpose (only for HTML this package built itself).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env
