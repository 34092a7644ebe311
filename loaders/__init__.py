"""crossaudit.loaders: department files → checked rows → the graph, with nothing lost.

    from crossaudit.loaders import load_sources
    report = load_sources("region/", store)
"""
from crossaudit.loaders.load import FileReport, LoadReport, PartialLoad, load_sources, require_finished_load
from crossaudit.loaders.quarantine import list_quarantine
from crossaudit.loaders.spec import SHIPPED_SPECS, SourceSpec, SpecError, load_spec, load_specs

__all__ = ["FileReport", "LoadReport", "PartialLoad", "load_sources", "require_finished_load", "list_quarantine",
           "SHIPPED_SPECS", "SourceSpec", "SpecError", "load_spec", "load_specs"]
