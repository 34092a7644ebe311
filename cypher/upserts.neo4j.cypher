// Generated from crossaudit/engine/schema.py by `python -m crossaudit.engine.cypher_gen`; do not edit.
// Neo4j batched upserts, one per node label and relationship pair; parameters:
// $rows (list of maps), $run (load run id), $at (timestamp of the run).

// upsert Enterprise
UNWIND $rows AS r
OPTIONAL MATCH (old:Enterprise {uid: r.uid})
WITH r, old IS NULL AS is_new
MERGE (n:Enterprise {uid: r.uid})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.credit_code = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.credit_code, r.credit_code) ELSE coalesce(r.credit_code, n.credit_code) END, n.credit_code_as_written = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.credit_code_as_written, r.credit_code_as_written) ELSE coalesce(r.credit_code_as_written, n.credit_code_as_written) END, n.name = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.name, r.name) ELSE coalesce(r.name, n.name) END, n.name_norm = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.name_norm, r.name_norm) ELSE coalesce(r.name_norm, n.name_norm) END, n.legal_form = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.legal_form, r.legal_form) ELSE coalesce(r.legal_form, n.legal_form) END, n.region_code = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.region_code, r.region_code) ELSE coalesce(r.region_code, n.region_code) END, n.status = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.status, r.status) ELSE coalesce(r.status, n.status) END, n.established_on = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.established_on, r.established_on) ELSE coalesce(r.established_on, n.established_on) END, n.status_changed_on = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.status_changed_on, r.status_changed_on) ELSE coalesce(r.status_changed_on, n.status_changed_on) END, n.industry = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.industry, r.industry) ELSE coalesce(r.industry, n.industry) END, n.registered_capital = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.registered_capital, r.registered_capital) ELSE coalesce(r.registered_capital, n.registered_capital) END, n.kind = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.kind, r.kind) ELSE coalesce(r.kind, n.kind) END, n.registry = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.registry, r.registry) ELSE coalesce(r.registry, n.registry) END, n.si_no = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.si_no, r.si_no) ELSE coalesce(r.si_no, n.si_no) END, n.interest_group = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.interest_group, r.interest_group) ELSE coalesce(r.interest_group, n.interest_group) END, n.registered = coalesce(r.registered, n.registered), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Person
UNWIND $rows AS r
OPTIONAL MATCH (old:Person {uid: r.uid})
WITH r, old IS NULL AS is_new
MERGE (n:Person {uid: r.uid})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.id_number = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.id_number, r.id_number) ELSE coalesce(r.id_number, n.id_number) END, n.id_number_as_written = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.id_number_as_written, r.id_number_as_written) ELSE coalesce(r.id_number_as_written, n.id_number_as_written) END, n.name = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.name, r.name) ELSE coalesce(r.name, n.name) END, n.birth_date = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.birth_date, r.birth_date) ELSE coalesce(r.birth_date, n.birth_date) END, n.gender = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.gender, r.gender) ELSE coalesce(r.gender, n.gender) END, n.region_code = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.region_code, r.region_code) ELSE coalesce(r.region_code, n.region_code) END, n.ethnicity = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.ethnicity, r.ethnicity) ELSE coalesce(r.ethnicity, n.ethnicity) END, n.household_no = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.household_no, r.household_no) ELSE coalesce(r.household_no, n.household_no) END, n.household_role = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.household_role, r.household_role) ELSE coalesce(r.household_role, n.household_role) END, n.interest_group = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.interest_group, r.interest_group) ELSE coalesce(r.interest_group, n.interest_group) END, n.registered = coalesce(r.registered, n.registered), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Property
UNWIND $rows AS r
OPTIONAL MATCH (old:Property {uid: r.uid})
WITH r, old IS NULL AS is_new
MERGE (n:Property {uid: r.uid})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.cert_no = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.cert_no, r.cert_no) ELSE coalesce(r.cert_no, n.cert_no) END, n.unit_no = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.unit_no, r.unit_no) ELSE coalesce(r.unit_no, n.unit_no) END, n.address = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.address, r.address) ELSE coalesce(r.address, n.address) END, n.area_m2 = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.area_m2, r.area_m2) ELSE coalesce(r.area_m2, n.area_m2) END, n.use = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.use, r.use) ELSE coalesce(r.use, n.use) END, n.region_code = CASE WHEN n.registered AND r.registered IS NULL THEN coalesce(n.region_code, r.region_code) ELSE coalesce(r.region_code, n.region_code) END, n.registered = coalesce(r.registered, n.registered), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Contract
UNWIND $rows AS r
OPTIONAL MATCH (old:Contract {uid: r.uid})
WITH r, old IS NULL AS is_new
MERGE (n:Contract {uid: r.uid})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.contract_no = coalesce(r.contract_no, n.contract_no), n.kind = coalesce(r.kind, n.kind), n.title = coalesce(r.title, n.title), n.amount = coalesce(r.amount, n.amount), n.signed_on = coalesce(r.signed_on, n.signed_on), n.start_on = coalesce(r.start_on, n.start_on), n.end_on = coalesce(r.end_on, n.end_on), n.region_code = coalesce(r.region_code, n.region_code), n.status = coalesce(r.status, n.status), n.area = coalesce(r.area, n.area), n.ratio = coalesce(r.ratio, n.ratio), n.reserve_price = coalesce(r.reserve_price, n.reserve_price), n.reference = coalesce(r.reference, n.reference), n.paid_on = coalesce(r.paid_on, n.paid_on), n.cost_basis = coalesce(r.cost_basis, n.cost_basis), n.record_no = coalesce(r.record_no, n.record_no), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Invoice
UNWIND $rows AS r
OPTIONAL MATCH (old:Invoice {invoice_no: r.invoice_no})
WITH r, old IS NULL AS is_new
MERGE (n:Invoice {invoice_no: r.invoice_no})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.amount = coalesce(r.amount, n.amount), n.tax = coalesce(r.tax, n.tax), n.issued_on = coalesce(r.issued_on, n.issued_on), n.item = coalesce(r.item, n.item), n.quantity = coalesce(r.quantity, n.quantity), n.unit_price = coalesce(r.unit_price, n.unit_price), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert TaxRegistration
UNWIND $rows AS r
OPTIONAL MATCH (old:TaxRegistration {reg_id: r.reg_id})
WITH r, old IS NULL AS is_new
MERGE (n:TaxRegistration {reg_id: r.reg_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.taxpayer_code = coalesce(r.taxpayer_code, n.taxpayer_code), n.office_code = coalesce(r.office_code, n.office_code), n.registered_on = coalesce(r.registered_on, n.registered_on), n.status = coalesce(r.status, n.status), n.status_changed_on = coalesce(r.status_changed_on, n.status_changed_on), n.taxpayer_kind = coalesce(r.taxpayer_kind, n.taxpayer_kind), n.industry = coalesce(r.industry, n.industry), n.project_permit_no = coalesce(r.project_permit_no, n.project_permit_no), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert TaxFiling
UNWIND $rows AS r
OPTIONAL MATCH (old:TaxFiling {filing_id: r.filing_id})
WITH r, old IS NULL AS is_new
MERGE (n:TaxFiling {filing_id: r.filing_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.tax_type = coalesce(r.tax_type, n.tax_type), n.tax_item = coalesce(r.tax_item, n.tax_item), n.period = coalesce(r.period, n.period), n.period_start = coalesce(r.period_start, n.period_start), n.period_end = coalesce(r.period_end, n.period_end), n.declared_base = coalesce(r.declared_base, n.declared_base), n.tax_paid = coalesce(r.tax_paid, n.tax_paid), n.filed_on = coalesce(r.filed_on, n.filed_on), n.reference = coalesce(r.reference, n.reference), n.headcount = coalesce(r.headcount, n.headcount), n.price = coalesce(r.price, n.price), n.rate = coalesce(r.rate, n.rate), n.office_code = coalesce(r.office_code, n.office_code), n.subject = coalesce(r.subject, n.subject), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Permit
UNWIND $rows AS r
OPTIONAL MATCH (old:Permit {permit_no: r.permit_no})
WITH r, old IS NULL AS is_new
MERGE (n:Permit {permit_no: r.permit_no})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.kind = coalesce(r.kind, n.kind), n.name = coalesce(r.name, n.name), n.issued_on = coalesce(r.issued_on, n.issued_on), n.valid_from = coalesce(r.valid_from, n.valid_from), n.valid_until = coalesce(r.valid_until, n.valid_until), n.status = coalesce(r.status, n.status), n.category = coalesce(r.category, n.category), n.region_code = coalesce(r.region_code, n.region_code), n.amount = coalesce(r.amount, n.amount), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Vehicle
UNWIND $rows AS r
OPTIONAL MATCH (old:Vehicle {plate_no: r.plate_no})
WITH r, old IS NULL AS is_new
MERGE (n:Vehicle {plate_no: r.plate_no})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.kind = coalesce(r.kind, n.kind), n.model = coalesce(r.model, n.model), n.registered_on = coalesce(r.registered_on, n.registered_on), n.status = coalesce(r.status, n.status), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert UtilityUsage
UNWIND $rows AS r
OPTIONAL MATCH (old:UtilityUsage {usage_id: r.usage_id})
WITH r, old IS NULL AS is_new
MERGE (n:UtilityUsage {usage_id: r.usage_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.account_no = coalesce(r.account_no, n.account_no), n.period = coalesce(r.period, n.period), n.kwh = coalesce(r.kwh, n.kwh), n.fee = coalesce(r.fee, n.fee), n.category = coalesce(r.category, n.category), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Address
UNWIND $rows AS r
OPTIONAL MATCH (old:Address {text: r.text})
WITH r, old IS NULL AS is_new
MERGE (n:Address {text: r.text})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.region_code = coalesce(r.region_code, n.region_code), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Phone
UNWIND $rows AS r
OPTIONAL MATCH (old:Phone {number: r.number})
WITH r, old IS NULL AS is_new
MERGE (n:Phone {number: r.number})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert TaxOffice
UNWIND $rows AS r
OPTIONAL MATCH (old:TaxOffice {code: r.code})
WITH r, old IS NULL AS is_new
MERGE (n:TaxOffice {code: r.code})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.name = coalesce(r.name, n.name), n.level = coalesce(r.level, n.level), n.parent = coalesce(r.parent, n.parent), n.region_code = coalesce(r.region_code, n.region_code), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Department
UNWIND $rows AS r
OPTIONAL MATCH (old:Department {code: r.code})
WITH r, old IS NULL AS is_new
MERGE (n:Department {code: r.code})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.name = coalesce(r.name, n.name), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert SourceRecord
UNWIND $rows AS r
OPTIONAL MATCH (old:SourceRecord {record_id: r.record_id})
WITH r, old IS NULL AS is_new
MERGE (n:SourceRecord {record_id: r.record_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.payload = coalesce(r.payload, n.payload), n.grade = coalesce(r.grade, n.grade), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert QuarantineEntry
UNWIND $rows AS r
OPTIONAL MATCH (old:QuarantineEntry {entry_id: r.entry_id})
WITH r, old IS NULL AS is_new
MERGE (n:QuarantineEntry {entry_id: r.entry_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.file = coalesce(r.file, n.file), n.row = coalesce(r.row, n.row), n.column_name = coalesce(r.column_name, n.column_name), n.raw_value = coalesce(r.raw_value, n.raw_value), n.reason = coalesce(r.reason, n.reason), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert LoadRun
UNWIND $rows AS r
OPTIONAL MATCH (old:LoadRun {run_id: r.run_id})
WITH r, old IS NULL AS is_new
MERGE (n:LoadRun {run_id: r.run_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.started_at = coalesce(r.started_at, n.started_at), n.finished_at = coalesce(r.finished_at, n.finished_at), n.source_dir = coalesce(r.source_dir, n.source_dir), n.specs_dir = coalesce(r.specs_dir, n.specs_dir), n.files = coalesce(r.files, n.files), n.rows_read = coalesce(r.rows_read, n.rows_read), n.rows_loaded = coalesce(r.rows_loaded, n.rows_loaded), n.rows_quarantined = coalesce(r.rows_quarantined, n.rows_quarantined), n.rows_duplicate = coalesce(r.rows_duplicate, n.rows_duplicate), n.unmatched = coalesce(r.unmatched, n.unmatched), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert FileLoad
UNWIND $rows AS r
OPTIONAL MATCH (old:FileLoad {file_load_id: r.file_load_id})
WITH r, old IS NULL AS is_new
MERGE (n:FileLoad {file_load_id: r.file_load_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.run_id = coalesce(r.run_id, n.run_id), n.file = coalesce(r.file, n.file), n.encoding = coalesce(r.encoding, n.encoding), n.read = coalesce(r.read, n.read), n.loaded = coalesce(r.loaded, n.loaded), n.quarantined = coalesce(r.quarantined, n.quarantined), n.duplicates = coalesce(r.duplicates, n.duplicates), n.seconds = coalesce(r.seconds, n.seconds), n.delivered_on = coalesce(r.delivered_on, n.delivered_on), n.error = coalesce(r.error, n.error), n.grade = coalesce(r.grade, n.grade), n.schedule = coalesce(r.schedule, n.schedule), n.fills = coalesce(r.fills, n.fills), n.id_cells = coalesce(r.id_cells, n.id_cells), n.id_invalid = coalesce(r.id_invalid, n.id_invalid), n.required_cells = coalesce(r.required_cells, n.required_cells), n.required_missing = coalesce(r.required_missing, n.required_missing), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Finding
UNWIND $rows AS r
OPTIONAL MATCH (old:Finding {finding_id: r.finding_id})
WITH r, old IS NULL AS is_new
MERGE (n:Finding {finding_id: r.finding_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.rule_id = coalesce(r.rule_id, n.rule_id), n.rule_version = coalesce(r.rule_version, n.rule_version), n.pack = coalesce(r.pack, n.pack), n.severity = coalesce(r.severity, n.severity), n.title = coalesce(r.title, n.title), n.tax_types = coalesce(r.tax_types, n.tax_types), n.identity = coalesce(r.identity, n.identity), n.evidence = coalesce(r.evidence, n.evidence), n.evidence_hash = coalesce(r.evidence_hash, n.evidence_hash), n.amount = coalesce(r.amount, n.amount), n.tax_at_risk = coalesce(r.tax_at_risk, n.tax_at_risk), n.office_code = coalesce(r.office_code, n.office_code), n.region_code = coalesce(r.region_code, n.region_code), n.status = coalesce(r.status, n.status), n.rule_run = coalesce(r.rule_run, n.rule_run), n.status_changed_at = coalesce(r.status_changed_at, n.status_changed_at), n.status_changed_by = coalesce(r.status_changed_by, n.status_changed_by), n.recovered = coalesce(r.recovered, n.recovered), n.verification_note = coalesce(r.verification_note, n.verification_note), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert FindingEvent
UNWIND $rows AS r
OPTIONAL MATCH (old:FindingEvent {event_id: r.event_id})
WITH r, old IS NULL AS is_new
MERGE (n:FindingEvent {event_id: r.event_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.finding_id = coalesce(r.finding_id, n.finding_id), n.from_status = coalesce(r.from_status, n.from_status), n.to_status = coalesce(r.to_status, n.to_status), n.by = coalesce(r.by, n.by), n.at = coalesce(r.at, n.at), n.note = coalesce(r.note, n.note), n.recovered = coalesce(r.recovered, n.recovered), n.change = coalesce(r.change, n.change), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert AuditEntry
UNWIND $rows AS r
OPTIONAL MATCH (old:AuditEntry {entry_id: r.entry_id})
WITH r, old IS NULL AS is_new
MERGE (n:AuditEntry {entry_id: r.entry_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.at = coalesce(r.at, n.at), n.user = coalesce(r.user, n.user), n.role = coalesce(r.role, n.role), n.action = coalesce(r.action, n.action), n.target = coalesce(r.target, n.target), n.outcome = coalesce(r.outcome, n.outcome), n.detail = coalesce(r.detail, n.detail), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Governance
UNWIND $rows AS r
OPTIONAL MATCH (old:Governance {name: r.name})
WITH r, old IS NULL AS is_new
MERGE (n:Governance {name: r.name})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.users_digest = coalesce(r.users_digest, n.users_digest), n.users_file = coalesce(r.users_file, n.users_file), n.recorded_by = coalesce(r.recorded_by, n.recorded_by), n.recorded_at = coalesce(r.recorded_at, n.recorded_at), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert RuleRun
UNWIND $rows AS r
OPTIONAL MATCH (old:RuleRun {run_id: r.run_id})
WITH r, old IS NULL AS is_new
MERGE (n:RuleRun {run_id: r.run_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.started_at = coalesce(r.started_at, n.started_at), n.finished_at = coalesce(r.finished_at, n.finished_at), n.rules = coalesce(r.rules, n.rules), n.findings = coalesce(r.findings, n.findings), n.new_findings = coalesce(r.new_findings, n.new_findings), n.params = coalesce(r.params, n.params), n.rules_dir = coalesce(r.rules_dir, n.rules_dir), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert EntityAlias
UNWIND $rows AS r
OPTIONAL MATCH (old:EntityAlias {alias_id: r.alias_id})
WITH r, old IS NULL AS is_new
MERGE (n:EntityAlias {alias_id: r.alias_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.label = coalesce(r.label, n.label), n.old_uid = coalesce(r.old_uid, n.old_uid), n.uid = coalesce(r.uid, n.uid), n.method = coalesce(r.method, n.method), n.score = coalesce(r.score, n.score), n.contributions = coalesce(r.contributions, n.contributions), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert CoCitation
UNWIND $rows AS r
OPTIONAL MATCH (old:CoCitation {cocitation_id: r.cocitation_id})
WITH r, old IS NULL AS is_new
MERGE (n:CoCitation {cocitation_id: r.cocitation_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.label = coalesce(r.label, n.label), n.other_uid = coalesce(r.other_uid, n.other_uid), n.other_prop = coalesce(r.other_prop, n.other_prop), n.uid = coalesce(r.uid, n.uid), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert ReviewItem
UNWIND $rows AS r
OPTIONAL MATCH (old:ReviewItem {pair_id: r.pair_id})
WITH r, old IS NULL AS is_new
MERGE (n:ReviewItem {pair_id: r.pair_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.label = coalesce(r.label, n.label), n.uid_a = coalesce(r.uid_a, n.uid_a), n.uid_b = coalesce(r.uid_b, n.uid_b), n.score = coalesce(r.score, n.score), n.contributions = coalesce(r.contributions, n.contributions), n.status = coalesce(r.status, n.status), n.resolve_run = coalesce(r.resolve_run, n.resolve_run), n.reason = coalesce(r.reason, n.reason), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert Judgement
UNWIND $rows AS r
OPTIONAL MATCH (old:Judgement {pair_id: r.pair_id})
WITH r, old IS NULL AS is_new
MERGE (n:Judgement {pair_id: r.pair_id})
ON CREATE SET n.department = r.department, n.dataset = r.dataset, n.source_file = r.source_file, n.source_row = r.source_row, n.load_run = $run, n.first_seen = $at
SET n.label = coalesce(r.label, n.label), n.uid_a = coalesce(r.uid_a, n.uid_a), n.uid_b = coalesce(r.uid_b, n.uid_b), n.decision = coalesce(r.decision, n.decision), n.decided_by = coalesce(r.decided_by, n.decided_by), n.decided_at = coalesce(r.decided_at, n.decided_at), n.note = coalesce(r.note, n.note), n.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:LEGAL_REP_OF]->(Enterprise)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:LEGAL_REP_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:LEGAL_REP_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.since = coalesce(r.since, x.since), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:SHAREHOLDER_OF]->(Enterprise)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:SHAREHOLDER_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:SHAREHOLDER_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.ratio = coalesce(r.ratio, x.ratio), x.amount = coalesce(r.amount, x.amount), x.since = coalesce(r.since, x.since), x.paid_in = coalesce(r.paid_in, x.paid_in), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:SHAREHOLDER_OF]->(Enterprise)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:SHAREHOLDER_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:SHAREHOLDER_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.ratio = coalesce(r.ratio, x.ratio), x.amount = coalesce(r.amount, x.amount), x.since = coalesce(r.since, x.since), x.paid_in = coalesce(r.paid_in, x.paid_in), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:EXECUTIVE_OF]->(Enterprise)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:EXECUTIVE_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:EXECUTIVE_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.position = coalesce(r.position, x.position), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:KIN_OF]->(Person)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Person {uid: r.to})
OPTIONAL MATCH (a)-[old:KIN_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:KIN_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.kind = coalesce(r.kind, x.kind), x.since = coalesce(r.since, x.since), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:OWNS]->(Property)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:OWNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:OWNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.since = coalesce(r.since, x.since), x.share = coalesce(r.share, x.share), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:OWNS]->(Vehicle)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Vehicle {plate_no: r.to})
OPTIONAL MATCH (a)-[old:OWNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:OWNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.since = coalesce(r.since, x.since), x.share = coalesce(r.share, x.share), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:OWNS]->(Property)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:OWNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:OWNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.since = coalesce(r.since, x.since), x.share = coalesce(r.share, x.share), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:OWNS]->(Vehicle)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Vehicle {plate_no: r.to})
OPTIONAL MATCH (a)-[old:OWNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:OWNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.since = coalesce(r.since, x.since), x.share = coalesce(r.share, x.share), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:PARTY_TO]->(Contract)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Contract {uid: r.to})
OPTIONAL MATCH (a)-[old:PARTY_TO {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:PARTY_TO {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:PARTY_TO]->(Contract)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Contract {uid: r.to})
OPTIONAL MATCH (a)-[old:PARTY_TO {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:PARTY_TO {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Contract)-[:CONCERNS]->(Property)
UNWIND $rows AS r
MATCH (a:Contract {uid: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:CONCERNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:CONCERNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (TaxFiling)-[:CONCERNS]->(Property)
UNWIND $rows AS r
MATCH (a:TaxFiling {filing_id: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:CONCERNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:CONCERNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (TaxFiling)-[:CONCERNS]->(Contract)
UNWIND $rows AS r
MATCH (a:TaxFiling {filing_id: r.from})
MATCH (b:Contract {uid: r.to})
OPTIONAL MATCH (a)-[old:CONCERNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:CONCERNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Permit)-[:CONCERNS]->(Property)
UNWIND $rows AS r
MATCH (a:Permit {permit_no: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:CONCERNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:CONCERNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (TaxFiling)-[:CONCERNS]->(Enterprise)
UNWIND $rows AS r
MATCH (a:TaxFiling {filing_id: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:CONCERNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:CONCERNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (TaxFiling)-[:CONCERNS]->(Person)
UNWIND $rows AS r
MATCH (a:TaxFiling {filing_id: r.from})
MATCH (b:Person {uid: r.to})
OPTIONAL MATCH (a)-[old:CONCERNS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:CONCERNS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:ISSUED]->(Invoice)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Invoice {invoice_no: r.to})
OPTIONAL MATCH (a)-[old:ISSUED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:ISSUED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:ISSUED]->(Invoice)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Invoice {invoice_no: r.to})
OPTIONAL MATCH (a)-[old:ISSUED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:ISSUED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:RECEIVED]->(Invoice)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Invoice {invoice_no: r.to})
OPTIONAL MATCH (a)-[old:RECEIVED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:RECEIVED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:RECEIVED]->(Invoice)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Invoice {invoice_no: r.to})
OPTIONAL MATCH (a)-[old:RECEIVED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:RECEIVED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:REGISTERED_WITH]->(TaxRegistration)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:TaxRegistration {reg_id: r.to})
OPTIONAL MATCH (a)-[old:REGISTERED_WITH {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:REGISTERED_WITH {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:REGISTERED_WITH]->(TaxRegistration)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:TaxRegistration {reg_id: r.to})
OPTIONAL MATCH (a)-[old:REGISTERED_WITH {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:REGISTERED_WITH {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (TaxRegistration)-[:REGISTERED_WITH]->(TaxOffice)
UNWIND $rows AS r
MATCH (a:TaxRegistration {reg_id: r.from})
MATCH (b:TaxOffice {code: r.to})
OPTIONAL MATCH (a)-[old:REGISTERED_WITH {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:REGISTERED_WITH {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:FILED]->(TaxFiling)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:TaxFiling {filing_id: r.to})
OPTIONAL MATCH (a)-[old:FILED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FILED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:FILED]->(TaxFiling)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:TaxFiling {filing_id: r.to})
OPTIONAL MATCH (a)-[old:FILED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FILED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:LOCATED_AT]->(Address)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Address {text: r.to})
OPTIONAL MATCH (a)-[old:LOCATED_AT {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:LOCATED_AT {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:LOCATED_AT]->(Address)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Address {text: r.to})
OPTIONAL MATCH (a)-[old:LOCATED_AT {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:LOCATED_AT {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Property)-[:LOCATED_AT]->(Address)
UNWIND $rows AS r
MATCH (a:Property {uid: r.from})
MATCH (b:Address {text: r.to})
OPTIONAL MATCH (a)-[old:LOCATED_AT {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:LOCATED_AT {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:HAS_PHONE]->(Phone)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Phone {number: r.to})
OPTIONAL MATCH (a)-[old:HAS_PHONE {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:HAS_PHONE {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:HAS_PHONE]->(Phone)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Phone {number: r.to})
OPTIONAL MATCH (a)-[old:HAS_PHONE {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:HAS_PHONE {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:EMPLOYS]->(Person)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Person {uid: r.to})
OPTIONAL MATCH (a)-[old:EMPLOYS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:EMPLOYS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.period = coalesce(r.period, x.period), x.insurance = coalesce(r.insurance, x.insurance), x.wage_base = coalesce(r.wage_base, x.wage_base), x.employer_paid = coalesce(r.employer_paid, x.employer_paid), x.person_paid = coalesce(r.person_paid, x.person_paid), x.paid_on = coalesce(r.paid_on, x.paid_on), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:HOLDS]->(Permit)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Permit {permit_no: r.to})
OPTIONAL MATCH (a)-[old:HOLDS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:HOLDS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Person)-[:HOLDS]->(Permit)
UNWIND $rows AS r
MATCH (a:Person {uid: r.from})
MATCH (b:Permit {permit_no: r.to})
OPTIONAL MATCH (a)-[old:HOLDS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:HOLDS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:USED]->(UtilityUsage)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:UtilityUsage {usage_id: r.to})
OPTIONAL MATCH (a)-[old:USED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:USED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Enterprise)-[:BRANCH_OF]->(Enterprise)
UNWIND $rows AS r
MATCH (a:Enterprise {uid: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:BRANCH_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:BRANCH_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (TaxOffice)-[:SUBORDINATE_OF]->(TaxOffice)
UNWIND $rows AS r
MATCH (a:TaxOffice {code: r.from})
MATCH (b:TaxOffice {code: r.to})
OPTIONAL MATCH (a)-[old:SUBORDINATE_OF {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:SUBORDINATE_OF {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (LoadRun)-[:INCLUDED]->(FileLoad)
UNWIND $rows AS r
MATCH (a:LoadRun {run_id: r.from})
MATCH (b:FileLoad {file_load_id: r.to})
OPTIONAL MATCH (a)-[old:INCLUDED {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:INCLUDED {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Enterprise)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Person)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Person {uid: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Property)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Contract)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Contract {uid: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Invoice)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Invoice {invoice_no: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(TaxRegistration)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:TaxRegistration {reg_id: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(TaxFiling)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:TaxFiling {filing_id: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Address)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Address {text: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Phone)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Phone {number: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(TaxOffice)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:TaxOffice {code: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Permit)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Permit {permit_no: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(Vehicle)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:Vehicle {plate_no: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (SourceRecord)-[:DESCRIBES]->(UtilityUsage)
UNWIND $rows AS r
MATCH (a:SourceRecord {record_id: r.from})
MATCH (b:UtilityUsage {usage_id: r.to})
OPTIONAL MATCH (a)-[old:DESCRIBES {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:DESCRIBES {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.score = coalesce(r.score, x.score), x.method = coalesce(r.method, x.method), x.role = coalesce(r.role, x.role), x.contributions = coalesce(r.contributions, x.contributions), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Enterprise)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Enterprise {uid: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Person)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Person {uid: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Property)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Property {uid: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Contract)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Contract {uid: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Invoice)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Invoice {invoice_no: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(TaxRegistration)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:TaxRegistration {reg_id: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(TaxFiling)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:TaxFiling {filing_id: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Permit)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Permit {permit_no: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(UtilityUsage)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:UtilityUsage {usage_id: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:FLAGS]->(Vehicle)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:Vehicle {plate_no: r.to})
OPTIONAL MATCH (a)-[old:FLAGS {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:FLAGS {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.role = coalesce(r.role, x.role), x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;

// upsert (Finding)-[:ASSIGNED_TO]->(TaxOffice)
UNWIND $rows AS r
MATCH (a:Finding {finding_id: r.from})
MATCH (b:TaxOffice {code: r.to})
OPTIONAL MATCH (a)-[old:ASSIGNED_TO {rid: r.rid}]->(b)
WITH a, b, r, old IS NULL AS is_new
MERGE (a)-[x:ASSIGNED_TO {rid: r.rid}]->(b)
ON CREATE SET x.department = r.department, x.dataset = r.dataset, x.source_file = r.source_file, x.source_row = r.source_row, x.load_run = $run, x.first_seen = $at
SET x.last_seen = $at
RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created;
