"""Run stories: a JSON record and a self-contained HTML page per run, plus their retention."""

from odibi_core.story.html import render_html
from odibi_core.story.retention import apply_retention
from odibi_core.story.writer import build_story, load_story, write_story

__all__ = ["apply_retention", "build_story", "load_story", "render_html", "write_story"]
