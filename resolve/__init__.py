"""crossaudit.resolve: records from many departments → one entity each, explainably.

A generic Fellegi–Sunter resolver (Splink-like small pieces: normalisers, comparisons,
blocking keys, one configuration per entity type) with hard constraints: two different valid
identifiers are never one entity, judgements win over scores, existing entity ids are kept.

    from crossaudit.resolve import CONFIGS, link
    result = link(records, CONFIGS["enterprise"], id_column="record_id",
                  judgements=[("amr:1", "tax:9", False)], existing={"amr:2": "ENT-0001"})
    result.clusters                       # record_id → entity_id, method, probability
    result.review                         # pairs between the two thresholds
    result.related                        # BRANCH_OF links, never merged
    print(result.explain("amr:1", "tax:9"))
"""
from crossaudit.resolve.blocking import BlockOn
from crossaudit.resolve.comparisons import (
    Comparison, DateCloseness, EditDistance, Exact, JaroWinkler, Nested, NumberCloseness,
)
from crossaudit.resolve.config import EntityConfig, Relation
from crossaudit.resolve.configs import CONFIGS
from crossaudit.resolve.evaluate import blocking_report, pair_metrics
from crossaudit.resolve.fellegi_sunter import Model
from crossaudit.resolve.link import Contribution, Explanation, Resolution, link
from crossaudit.resolve.records import Field
from crossaudit.resolve.graph import ResolveReport, explain, judge, resolve_store, review_items

__all__ = ["BlockOn", "Comparison", "DateCloseness", "EditDistance", "Exact", "JaroWinkler", "Nested",
           "NumberCloseness", "EntityConfig", "Relation", "CONFIGS", "blocking_report", "pair_metrics", "Model",
           "Contribution", "Explanation", "Resolution", "link", "Field", "ResolveReport", "explain", "judge",
           "resolve_store", "review_items"]
