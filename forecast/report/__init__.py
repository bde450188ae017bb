"""Publishing: the PDF briefing, executed notebooks and HTML, and run provenance."""

from forecast.report.briefing import (
    Briefing,
    BriefingFigures,
    BriefingFontWarning,
    PlanOutcome,
    render_briefing,
)
from forecast.report.provenance import (
    Provenance,
    config_hash,
    file_hash,
    frame_hash,
    write_manifest,
)
from forecast.report.publish import (
    NotebookError,
    PublishResult,
    execute_notebook,
    export_html,
    publish,
)
from forecast.report.typography import format_count, format_money, format_percent

__all__ = [
    "Briefing",
    "BriefingFigures",
    "BriefingFontWarning",
    "PlanOutcome",
    "render_briefing",
    "Provenance",
    "config_hash",
    "file_hash",
    "frame_hash",
    "write_manifest",
    "NotebookError",
    "PublishResult",
    "execute_notebook",
    "export_html",
    "publish",
    "format_count",
    "format_money",
    "format_percent",
]
