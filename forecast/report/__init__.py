"""Publishing: figures and tables, the PDF briefing, executed notebooks, provenance.

Names are loaded on first use, so that a notebook importing ``forecast.report.plots``
does not also load papermill and Typst.
"""

from importlib import import_module

_API = {
    "forecast.report.briefing": ("Briefing", "BriefingFigures", "BriefingFontWarning",
                                 "PlanOutcome", "render_briefing"),
    "forecast.report.provenance": ("Provenance", "write_manifest"),
    "forecast.report.publish": ("NotebookError", "PublishResult", "execute_notebook",
                                "export_html", "publish"),
    "forecast.report.typography": ("format_count", "format_money", "format_percent"),
}
_WHERE = {name: module for module, names in _API.items() for name in names}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forecast.report' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
