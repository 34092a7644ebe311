"""crossaudit.loaders: department files → checked rows → the graph, with nothing lost.

    from crossaudit.loaders import load_sources
    report = load_sources("region/", store)
"""
import importlib

# Each public name → its module, imported on first use: a command that needs only
# `loaders.identifiers` (access checks, masking) does not import the loaders' Arrow readers.
_MODULES = {"FileReport": "load", "LoadReport": "load", "PartialLoad": "load", "load_sources": "load",
            "require_finished_load": "load", "list_quarantine": "quarantine", "SHIPPED_SPECS": "spec",
            "SourceSpec": "spec", "SpecError": "spec", "load_spec": "spec", "load_specs": "spec"}

__all__ = list(_MODULES)


def __getattr__(name: str):
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
