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
from crossaudit.resolve.blocking import BlockOn, bigrams, deletions, prefix, trigrams
from crossaudit.resolve.comparisons import (
    Comparison, DateCloseness, EditDistance, Exact, JaroWinkler, Nested, NumberCloseness, Overlap,
)
from crossaudit.resolve.config import EntityConfig, Relation
from crossaudit.resolve.configs import CONFIGS, birth_date_or_id, person_region
from crossaudit.resolve.divisions import TABLE as DIVISIONS, DivisionTable
from crossaudit.resolve.evaluate import blocking_report, pair_metrics
from crossaudit.resolve.fellegi_sunter import Model
from crossaudit.resolve.link import Contribution, Explanation, Resolution, link
from crossaudit.resolve.normalise import (
    AddressParts, NameParts, address_key, address_parts, address_region, address_text, chinese_text,
    code_text, enterprise_name_parts, house_number, iso_date, lower_text, name_branch, name_core, name_parent_core, name_region,
    number, phone_digits, region_code, split_region, valid_credit_code, valid_id_number, value_set,
)
from crossaudit.resolve.records import Field, MissingColumn
from crossaudit.resolve.graph import ResolveReport, explain, judge, resolve_store, review_items

__all__ = [
    # resolving
    "link", "Resolution", "Explanation", "Contribution", "Model", "EntityConfig", "Relation", "Field",
    "MissingColumn", "CONFIGS", "blocking_report", "pair_metrics",
    # comparisons and blocking
    "Comparison", "Exact", "EditDistance", "JaroWinkler", "DateCloseness", "NumberCloseness", "Nested", "Overlap",
    "BlockOn",
    "bigrams", "trigrams", "deletions", "prefix",
    # normalisers
    "chinese_text", "lower_text", "code_text", "valid_credit_code", "valid_id_number", "phone_digits", "iso_date",
    "number", "region_code", "split_region", "address_parts", "AddressParts", "address_text", "address_region",
    "house_number",
    "address_key", "enterprise_name_parts", "NameParts", "name_core", "name_region", "name_branch",
    "name_parent_core", "birth_date_or_id", "person_region", "value_set", "DIVISIONS", "DivisionTable",
    # on a store
    "ResolveReport", "explain", "judge", "resolve_store", "review_items",
]
