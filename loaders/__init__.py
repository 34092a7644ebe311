"""crossaudit.loaders: department files → checked rows → the graph, with nothing lost.

    from crossaudit.loaders import load_sources
    report = load_sources("region/", store)
"""
from crossaudit.loaders.load import FileReport, LoadReport, load_sources
from crossaudit.loaders.quarantine import list_quarantine
from crossaudit.loaders.spec import SHIPPED_SPECS, SourceSpec, SpecError, load_spec, load_specs

__all__ = ["FileReport", "LoadReport", "load_sources", "list_quarantine", "SHIPPED_SPECS", "SourceSpec",
           "SpecError", "load_spec", "load_specs"]
