"""The domain schema, declared once.

Every node and relationship type of the crossaudit graph is declared here. The Ladybug DDL,
the Neo4j constraints and indexes (`cypher/*.cypher`) and the batched upsert statements are
generated from these declarations (see `crossaudit.engine.cypher_gen`); nothing else may
hand-write them.

    >>> SCHEMA.node("Enterprise").key
    'uid'
    >>> [p.name for p in SCHEMA.rel("SHAREHOLDER_OF").props][:1]
    ['ratio']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

# Property types, named after Ladybug's; the Neo4j side stores the matching native type.
STRING, INT, FLOAT, BOOL, DATE, TIMESTAMP = "STRING", "INT64", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP"
PROPERTY_TYPES = (STRING, INT, FLOAT, BOOL, DATE, TIMESTAMP)


@dataclass(frozen=True)
class Prop:
    """One property: a name, a type, and whether Neo4j should index it for lookups."""

    name: str
    type: str = STRING
    indexed: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        if self.type not in PROPERTY_TYPES:
            raise ValueError(f"property {self.name!r}: unknown type {self.type!r}")


# Provenance carried by every node and relationship: where the fact came from and when it was
# first and last seen. The store fills first_seen / last_seen / load_run itself.
PROVENANCE = (
    Prop("department", doc="code of the department that delivered the fact"),
    Prop("dataset", doc="the department's dataset (export) name"),
    Prop("source_file", doc="file the fact was read from"),
    Prop("source_row", INT, doc="1-based data row in that file"),
    Prop("load_run", doc="id of the load run that first wrote the fact"),
    Prop("first_seen", TIMESTAMP, doc="when the fact was first written (UTC)"),
    Prop("last_seen", TIMESTAMP, doc="when the fact was last confirmed by a load (UTC)"),
)
PROVENANCE_NAMES = tuple(p.name for p in PROVENANCE)
STORE_FILLED = ("load_run", "first_seen", "last_seen")


def _find_prop(props: tuple[Prop, ...], name: str, owner: str) -> Prop:
    for p in props:
        if p.name == name:
            return p
    raise KeyError(f"{owner} has no property {name!r}")


@dataclass(frozen=True)
class NodeType:
    """A node label with its primary key and properties (provenance is added automatically)."""

    label: str
    key: str
    props: tuple[Prop, ...]
    doc: str = ""

    @property
    def all_props(self) -> tuple[Prop, ...]:
        """The key first, then the declared properties, then provenance: the column order."""
        return self.props + PROVENANCE

    def prop(self, name: str) -> Prop:
        return _find_prop(self.all_props, name, self.label)


@dataclass(frozen=True)
class RelType:
    """A relationship type, the (from, to) label pairs it may join, and its properties.

    `identity` names the properties that, with the two endpoints, make one relationship
    distinct (e.g. PARTY_TO's role: a firm can be buyer and guarantor of one contract).
    Every relationship also carries `rid`, a digest of that identity, which keys upserts.
    """

    type: str
    pairs: tuple[tuple[str, str], ...]
    props: tuple[Prop, ...] = ()
    identity: tuple[str, ...] = ()
    doc: str = ""

    @property
    def all_props(self) -> tuple[Prop, ...]:
        return (Prop("rid", doc="digest of the endpoints and identity properties"),) + self.props + PROVENANCE

    def prop(self, name: str) -> Prop:
        return _find_prop(self.all_props, name, self.type)


@dataclass(frozen=True)
class Schema:
    nodes: tuple[NodeType, ...]
    rels: tuple[RelType, ...]
    _by_label: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        labels = {n.label: n for n in self.nodes}
        types = {r.type: r for r in self.rels}
        if len(labels) != len(self.nodes) or len(types) != len(self.rels):
            raise ValueError("duplicate node label or relationship type in the schema")
        for node in self.nodes:
            names = [p.name for p in node.all_props]
            if len(set(names)) != len(names) or node.key not in names:
                raise ValueError(f"{node.label}: duplicate properties or key {node.key!r} undeclared")
        for rel in self.rels:
            for a, b in rel.pairs:
                if a not in labels or b not in labels:
                    raise ValueError(f"{rel.type}: pair ({a}, {b}) names an undeclared label")
            missing = set(rel.identity) - {p.name for p in rel.props}
            if missing:
                raise ValueError(f"{rel.type}: identity names undeclared properties {sorted(missing)}")
        self._by_label.update(labels)
        self._by_label.update(types)

    def node(self, label: str) -> NodeType:
        found = self._by_label.get(label)
        if not isinstance(found, NodeType):
            raise KeyError(f"unknown node label {label!r}; known: {', '.join(n.label for n in self.nodes)}")
        return found

    def rel(self, rel_type: str) -> RelType:
        found = self._by_label.get(rel_type)
        if not isinstance(found, RelType):
            raise KeyError(f"unknown relationship type {rel_type!r}; known: {', '.join(r.type for r in self.rels)}")
        return found

    def check_pair(self, rel_type: str, from_label: str, to_label: str) -> RelType:
        rel = self.rel(rel_type)
        if (from_label, to_label) not in rel.pairs:
            allowed = ", ".join(f"({a})->({b})" for a, b in rel.pairs)
            raise KeyError(f"{rel_type} does not join ({from_label})->({to_label}); declared: {allowed}")
        return rel


def _props(*items: Prop | str) -> tuple[Prop, ...]:
    return tuple(Prop(i) if isinstance(i, str) else i for i in items)


def _pairs(sources: Iterable[str], targets: Iterable[str]) -> tuple[tuple[str, str], ...]:
    targets = tuple(targets)
    return tuple((s, t) for s in sources for t in targets)


# Canonical entities get a stable `uid` (resolution assigns it: the valid credit code or ID
# number where there is one); the other types are keyed by their natural identifier.
ENTITY_LABELS = ("Enterprise", "Person", "Property", "Contract")
PARTY_LABELS = ("Enterprise", "Person")
# The entities a department keeps a register of (market regulation its firms, public security
# its residents, natural resources its real estate): a spec yield marked `register: true` sets
# `registered`, and from then on other sources' copies of the node only fill what the register
# left empty, however they are loaded: a permit's misspelt name does not replace the firm's own.
REGISTERED = Prop("registered", BOOL, doc="true once the department that registers the entity delivered it: "
                                          "other sources' copies then only fill the properties it left empty")

NODES = (
    NodeType("Enterprise", "uid", _props(
        "uid",
        Prop("credit_code", indexed=True, doc="18-character unified social credit code (GB 32100-2015)"),
        Prop("credit_code_as_written", doc="a credit code that failed its check, as the row wrote it (credit_code "
                                           "stays empty); resolution compares it"),
        Prop("name", indexed=True), Prop("name_norm", indexed=True, doc="normalised name, legal form unified"),
        "legal_form", Prop("region_code", indexed=True, doc="GB/T 2260 county code"),
        Prop("status", doc="operating, deregistered, revoked, abnormal"),
        Prop("established_on", DATE), Prop("status_changed_on", DATE), "industry", Prop("registered_capital", FLOAT),
        "kind", "registry",
        Prop("si_no", indexed=True, doc="social insurance employer number (单位编号); links rows that name the "
                                          "employer without its credit code"),
        Prop("interest_group", indexed=True, doc="id of the interest group (control and kinship component); "
             "written by `crossaudit rules run`"),
        REGISTERED,
    ), doc="A business (any legal form), resolved across departments."),
    NodeType("Person", "uid", _props(
        "uid", Prop("id_number", indexed=True, doc="18-character resident ID number (GB 11643-1999)"),
        Prop("id_number_as_written", doc="an ID number that failed its check, as the row wrote it (id_number "
                                         "stays empty); resolution compares it"),
        Prop("name", indexed=True), Prop("birth_date", DATE), "gender", "region_code", "ethnicity",
        Prop("household_no", indexed=True), "household_role",
        Prop("interest_group", indexed=True, doc="id of the interest group (control and kinship component)"),
        REGISTERED,
    ), doc="A natural person, resolved across departments."),
    NodeType("Property", "uid", _props(
        "uid", Prop("cert_no", indexed=True, doc="real-estate certificate number"),
        Prop("unit_no", indexed=True, doc="不动产单元号, the real-estate unit number"), "address",
        Prop("area_m2", FLOAT), "use", "region_code", REGISTERED,
    ), doc="Land or a building (a registered real-estate unit)."),
    NodeType("Contract", "uid", _props(
        "uid", Prop("contract_no", indexed=True), Prop("kind", indexed=True, doc="land_transfer (a grant of "
        "land use rights, 出让), property_sale (a transfer of real estate by sale, 买卖; a first registration, "
        "首次登记, is none), equity_transfer, construction, lease, procurement, auction (a judicial auction)"),
        "title",
        Prop("amount", FLOAT, doc="the price (a lease: the monthly rent; an auction: the hammer price)"),
        Prop("signed_on", DATE), Prop("start_on", DATE), Prop("end_on", DATE), "region_code",
        Prop("status", doc="active, expired, cancelled (a lease); sold, unsold (流拍), withdrawn (an auction)"),
        Prop("area", FLOAT), Prop("ratio", FLOAT), Prop("reserve_price", FLOAT), "reference",
        Prop("paid_on", DATE, doc="date of a procurement payment"),
        Prop("cost_basis", FLOAT, doc="an equity transfer's cost of the shares transferred as the record gives it "
             "(股权原值, or the capital paid in on them; yuan)"),
        Prop("record_no", indexed=True, doc="a second number the contract is known by (网签备案号, a registration's "
             "business number); a row giving both says they are one contract"),
    ), doc="A transaction document: transfer, construction, lease, procurement, payment, auction."),
    NodeType("Invoice", "invoice_no", _props(
        "invoice_no", Prop("amount", FLOAT), Prop("tax", FLOAT), Prop("issued_on", DATE), "item",
        Prop("quantity", FLOAT), Prop("unit_price", FLOAT),
    ), doc="A VAT invoice."),
    NodeType("TaxRegistration", "reg_id", _props(
        "reg_id", Prop("taxpayer_code", indexed=True), Prop("office_code", indexed=True),
        Prop("registered_on", DATE), Prop("status", doc="normal, deregistered (注销), abnormal (非正常), "
        "suspended (停业)"), Prop("status_changed_on", DATE),
        Prop("taxpayer_kind", doc="unit, branch, cross_region_project, individual"), "industry",
        Prop("project_permit_no", indexed=True, doc="construction permit of a cross-region project registration"),
    ), doc="A taxpayer's registration with a tax office."),
    NodeType("TaxFiling", "filing_id", _props(
        "filing_id", Prop("tax_type", indexed=True, doc="vat, enterprise_income_tax, individual_income_tax, "
        "property_tax, stamp_duty, land_vat, environmental_protection_tax, deed_tax, urban_land_use_tax, "
        "urban_maintenance_tax, consumption_tax, resource_tax, vehicle_vessel_tax, farmland_occupation_tax"),
        Prop("tax_item", indexed=True, doc="the item (征收品目) as a code: individual income tax wages, "
             "property_lease (财产租赁所得), equity_transfer (财产转让所得 of shares), property_transfer (of other "
             "property); property tax rent_based (从租计征), value_based (从价计征); deed tax land_grant (出让), "
             "sale (买卖), gift (赠与), exchange (互换), judicial_auction (司法拍卖); environmental protection tax "
             "air_pollutants, water_pollutants, solid_waste, noise; vat goods, goods_small_scale, services, "
             "construction_prepayment "
             "(跨区域预缴); others as the spec's code table says"), Prop("period", doc="YYYY-MM, YYYY-Qn or YYYY"),
        Prop("period_start", DATE), Prop("period_end", DATE), Prop("declared_base", FLOAT), Prop("tax_paid", FLOAT),
        Prop("filed_on", DATE), Prop("reference", indexed=True, doc="the contract, certificate or voucher it is for"),
        Prop("headcount", INT), Prop("price", FLOAT), Prop("rate", FLOAT), "office_code",
        Prop("subject", doc="what a transaction filing is for: land or house (deed tax)"),
    ), doc="A declaration and payment of one tax for one period or one transaction."),
    NodeType("Permit", "permit_no", _props(
        "permit_no", Prop("kind", indexed=True, doc="construction, road_transport, pollutant_discharge"), "name",
        Prop("issued_on", DATE), Prop("valid_from", DATE), Prop("valid_until", DATE),
        Prop("status", doc="valid, suspended, revoked, cancelled (注销), expired"),
        Prop("category", doc="a discharge permit's management class: key (重点管理), simplified (简化管理), "
             "registration (登记管理)"),
        "region_code", Prop("amount", FLOAT, doc="contract price of a construction permit"),
    ), doc="A licence or permit an authority issued to an operator."),
    NodeType("Vehicle", "plate_no", _props(
        "plate_no", "kind", "model", Prop("registered_on", DATE), "status",
    ), doc="A registered motor vehicle."),
    NodeType("UtilityUsage", "usage_id", _props(
        "usage_id", "account_no", Prop("period", doc="YYYY-MM"), Prop("kwh", FLOAT), Prop("fee", FLOAT), "category",
    ), doc="One month of metered electricity for one account."),
    NodeType("Address", "text", _props("text", "region_code"), doc="A normalised address."),
    NodeType("Phone", "number", _props("number"), doc="A normalised phone number."),
    NodeType("TaxOffice", "code", _props("code", "name", Prop("level", doc="region, city or county"), "parent",
                                         "region_code"),
             doc="A tax office; the region, city and county offices form a tree."),
    NodeType("Department", "code", _props("code", "name"), doc="A department that delivers data."),
    NodeType("SourceRecord", "record_id", _props(
        "record_id", Prop("payload", doc="the row's cells as delivered, as JSON keyed by column header"),
        Prop("grade", doc="the source's data grade: public, internal, sensitive or secret"),
    ), doc="One loaded row of a department file; its provenance properties (department, dataset, "
           "source_file, source_row) say which."),
    NodeType("QuarantineEntry", "entry_id", _props(
        "entry_id", Prop("file", indexed=True), Prop("row", INT), "column_name", "raw_value", "reason",
    ), doc="A row, or one cell of it, that could not be loaded; provenance names the source."),
    NodeType("LoadRun", "run_id", _props(
        "run_id", Prop("started_at", TIMESTAMP), Prop("finished_at", TIMESTAMP), "source_dir", "specs_dir",
        Prop("files", INT), Prop("rows_read", INT), Prop("rows_loaded", INT), Prop("rows_quarantined", INT),
        Prop("rows_duplicate", INT), "unmatched",
    ), doc="One `crossaudit load`: when, from where, and its totals."),
    NodeType("FileLoad", "file_load_id", _props(
        "file_load_id", Prop("run_id", indexed=True), "file", "encoding", Prop("read", INT), Prop("loaded", INT),
        Prop("quarantined", INT), Prop("duplicates", INT), Prop("seconds", FLOAT), Prop("delivered_on", DATE),
        Prop("error", doc="why the file could not be read, if it could not"),
        Prop("grade", doc="the data grade its spec declares"), Prop("schedule", doc="its spec's delivery schedule"),
        Prop("fills", doc="what its spec's rows write, as JSON {label or relationship type: [properties]}: "
             "masking grades each property by the datasets that filled it"),
        Prop("id_cells", INT, doc="identifier cells (credit code, ID number) that held a value"),
        Prop("id_invalid", INT, doc="of those, the ones failing their check"),
        Prop("required_cells", INT, doc="cells of required columns"),
        Prop("required_missing", INT, doc="of those, the empty ones"),
    ), doc="One file of a load run with its counts; department and dataset in its provenance."),
    NodeType("Finding", "finding_id", _props(
        Prop("finding_id", doc="stable fingerprint of the rule id and the identity values"),
        Prop("rule_id", indexed=True), Prop("rule_version", INT), Prop("pack", indexed=True),
        Prop("severity", indexed=True, doc="low, medium, high, critical"), "title",
        Prop("tax_types", doc="the taxes at risk, comma-separated"),
        Prop("identity", doc="the identity values as JSON, keyed by column"),
        Prop("evidence", doc="the rule's result row as JSON"),
        Prop("evidence_hash", doc="digest of the evidence; a change reopens a dismissed finding"),
        Prop("amount", FLOAT, doc="the amount the rule names (yuan)"),
        Prop("tax_at_risk", FLOAT, doc="estimated tax at risk (yuan)"),
        Prop("office_code", indexed=True, doc="competent tax office"), "region_code",
        Prop("status", indexed=True, doc="new, pushed, verifying, confirmed, dismissed"),
        Prop("rule_run", doc="id of the rule run that last produced the finding"),
        Prop("status_changed_at", TIMESTAMP), Prop("status_changed_by"),
        Prop("recovered", FLOAT, doc="tax recovered after verification (yuan)"),
        Prop("verification_note", doc="the inspector's note on the verification"),
    ), doc="A suspicious item (疑点): one result row of one rule, with its evidence."),
    NodeType("FindingEvent", "event_id", _props(
        "event_id", Prop("finding_id", indexed=True), "from_status", "to_status", Prop("by", doc="acting user"),
        Prop("at", TIMESTAMP), "note", Prop("recovered", FLOAT),
        Prop("change", doc="on a reopening: the evidence before and after, as JSON"),
    ), doc="One change of a finding's status: who, when, why."),
    NodeType("AuditEntry", "entry_id", _props(
        "entry_id", Prop("at", TIMESTAMP), Prop("user", indexed=True), "role", Prop("action", indexed=True),
        Prop("target", doc="what was read or changed: a finding id, an entity key, a file"),
        Prop("outcome", doc="allowed or denied"), "detail",
    ), doc="One read or change by a user, allowed or denied; the audit log only grows."),
    NodeType("Governance", "name", _props(
        Prop("name", doc="what is recorded: users (the users file that governs the store)"),
        Prop("users_digest", doc="sha256 of the users file's bytes"), Prop("users_file", doc="its path when recorded"),
        Prop("recorded_by", doc="the admin who recorded it"), Prop("recorded_at", TIMESTAMP),
    ), doc="Which users file governs the store (set by an admin with `store init --users`); every command "
           "refuses another file."),
    NodeType("RuleRun", "run_id", _props(
        "run_id", Prop("started_at", TIMESTAMP), Prop("finished_at", TIMESTAMP), Prop("rules", INT),
        Prop("findings", INT), Prop("new_findings", INT), Prop("params", doc="parameter overrides as JSON"),
        "rules_dir",
    ), doc="One `crossaudit rules run`."),
    NodeType("EntityAlias", "alias_id", _props(
        Prop("alias_id", doc="<label>:<uid the loader gave the mention>"), "label",
        Prop("old_uid", doc="the uid the loader gives the mention (name:…, record:…)"),
        Prop("uid", indexed=True, doc="the canonical entity it was merged into"),
        Prop("method", doc="probabilistic, judgement, exact (a department number) or co-cited (a row named "
             "both identifiers)"), Prop("score", FLOAT, doc="match probability"),
        Prop("contributions", doc="per-field log2 Bayes factors as JSON"),
    ), doc="A mention merged into a canonical entity; later loads link the mention there directly."),
    NodeType("CoCitation", "cocitation_id", _props(
        Prop("cocitation_id", doc="<label>:<other uid>|<uid>"), Prop("label", doc="Property or Contract"),
        Prop("other_uid", indexed=True, doc="the key of the other identifier the row gave (a certificate number)"),
        Prop("other_prop", doc="which identifier that is: cert_no, record_no"),
        Prop("uid", indexed=True, doc="the key of the object's canonical identifier (unit or contract number)"),
    ), doc="A row named one property or contract by two identifiers: resolution merges the node keyed by the "
           "other into the canonical one, unless the other is co-cited with several; provenance names the row."),
    NodeType("ReviewItem", "pair_id", _props(
        Prop("pair_id", doc="<label>:<uid a>|<uid b>, the uids in sorted order"), "label", "uid_a", "uid_b",
        Prop("score", FLOAT), Prop("contributions", doc="per-field log2 Bayes factors as JSON"),
        Prop("status", indexed=True, doc="open, accepted, rejected"), "resolve_run",
        Prop("reason", doc="why a pair without a score waits: an identifier co-cited with several objects"),
    ), doc="A candidate pair scored between the two thresholds, or a pair of an ambiguous co-citation, waiting "
           "for a person's judgement."),
    NodeType("Judgement", "pair_id", _props(
        "pair_id", "label", "uid_a", "uid_b", Prop("decision", doc="match or no_match"), "decided_by",
        Prop("decided_at", TIMESTAMP), "note",
    ), doc="A person's decision on a pair; it wins over scores on every later resolution run."),
)

RELS = (
    RelType("LEGAL_REP_OF", (("Person", "Enterprise"),), _props(Prop("since", DATE))),
    RelType("SHAREHOLDER_OF", _pairs(PARTY_LABELS, ["Enterprise"]),
            _props(Prop("ratio", FLOAT), Prop("amount", FLOAT, doc="subscribed capital (认缴出资额, yuan)"),
                   Prop("since", DATE),
                   Prop("paid_in", FLOAT, doc="paid-in capital (实缴出资额, yuan): the cost of shares subscribed"))),
    RelType("EXECUTIVE_OF", (("Person", "Enterprise"),), _props("position"), identity=("position",)),
    RelType("KIN_OF", (("Person", "Person"),), _props(Prop("kind", doc="spouse, parent, child, sibling, household"),
            Prop("since", DATE)), identity=("kind",)),
    RelType("OWNS", _pairs(PARTY_LABELS, ["Property", "Vehicle"]), _props(Prop("since", DATE), Prop("share", FLOAT))),
    RelType("PARTY_TO", _pairs(PARTY_LABELS, ["Contract"]), _props(Prop("role", doc="buyer, seller, builder, "
            "contractor, lessor, lessee, vendor, purchaser, transferor, transferee, target (the enterprise whose "
            "shares are transferred), debtor (whose property a court sells)")), identity=("role",)),
    RelType("CONCERNS", (("Contract", "Property"), ("TaxFiling", "Property"), ("TaxFiling", "Contract"),
                         ("Permit", "Property"), ("TaxFiling", "Enterprise"), ("TaxFiling", "Person")),
            doc="The property a contract transfers, builds or leases; the contract or property a filing is for; "
                "the party a filing names beside the taxpayer (the invested enterprise, the lessee)."),
    RelType("ISSUED", _pairs(PARTY_LABELS, ["Invoice"])),
    RelType("RECEIVED", _pairs(PARTY_LABELS, ["Invoice"])),
    RelType("REGISTERED_WITH", (("Enterprise", "TaxRegistration"), ("Person", "TaxRegistration"),
                                ("TaxRegistration", "TaxOffice"))),
    RelType("FILED", _pairs(PARTY_LABELS, ["TaxFiling"])),
    RelType("LOCATED_AT", _pairs(("Enterprise", "Person", "Property"), ["Address"])),
    RelType("HAS_PHONE", _pairs(PARTY_LABELS, ["Phone"])),
    RelType("EMPLOYS", (("Enterprise", "Person"),),
            _props(Prop("period", doc="YYYY-MM of a social-insurance contribution"), "insurance",
                   Prop("wage_base", FLOAT), Prop("employer_paid", FLOAT), Prop("person_paid", FLOAT),
                   Prop("paid_on", DATE)),
            identity=("period", "insurance"), doc="Employment as seen in one month's social-insurance contribution."),
    RelType("HOLDS", _pairs(PARTY_LABELS, ["Permit"])),
    RelType("USED", (("Enterprise", "UtilityUsage"),)),
    RelType("BRANCH_OF", (("Enterprise", "Enterprise"),)),
    RelType("SUBORDINATE_OF", (("TaxOffice", "TaxOffice"),)),
    RelType("INCLUDED", (("LoadRun", "FileLoad"),)),
    RelType("DESCRIBES", tuple(("SourceRecord", label) for label in (
        "Enterprise", "Person", "Property", "Contract", "Invoice", "TaxRegistration", "TaxFiling",
        "Address", "Phone", "TaxOffice", "Permit", "Vehicle", "UtilityUsage")),
        _props(Prop("score", FLOAT), Prop("method", doc="exact, probabilistic, judgement, co-cited"),
               Prop("role", doc="the column role the row names the entity in"), "contributions"),
        identity=("role",)),
    RelType("FLAGS", tuple(("Finding", label) for label in (
        "Enterprise", "Person", "Property", "Contract", "Invoice", "TaxRegistration", "TaxFiling", "Permit",
        "UtilityUsage", "Vehicle")),
        _props(Prop("role", doc="the result column that named the entity")), identity=("role",),
        doc="A finding and the entities it flags."),
    RelType("ASSIGNED_TO", (("Finding", "TaxOffice"),), doc="The competent tax office of a finding."),
)

SCHEMA = Schema(NODES, RELS)
# Node types `Store.clear` keeps unless told otherwise: the audit log (an admin purges it with
# `crossaudit audit purge`) and the record of which users file governs the store.
PRESERVED = ("AuditEntry", "Governance")
