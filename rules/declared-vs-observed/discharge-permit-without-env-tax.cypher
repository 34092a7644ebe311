/*
id: discharge-permit-without-env-tax
title: Valid pollutant discharge permit with no environmental protection tax
title_zh: 持有效排污许可证未申报环境保护税
pack: declared-vs-observed
severity: medium
tax: [environmental_protection_tax]
description: >
  A registered taxpayer, neither deregistered nor abnormal by the end of the window, holds a
  pollutant discharge permit (排污许可证) valid during the window, operates in it (it used
  electricity or issued invoices in the window), and filed no environmental protection tax
  return for any period starting in the window. A permit allows discharge; a holder that
  operates discharges and owes the tax, whichever permit or pollutant its returns cite. The
  tax at risk is the median of what the other holders of permits of the same management
  category (key, simplified, registration) declared for the window; zero where none did.
description_zh: >
  已办理税务登记、至期末既未注销也未被认定为非正常户的纳税人，持有在检查期内有效的排污许可证，
  并在期内有生产经营活动（有用电记录或开具发票），却未就期内任何所属期申报环境保护税。
  排污许可即准予排放污染物，持证经营者直接向环境排放应税污染物，负有纳税义务，
  不论其申报所列为哪一许可证或污染物。风险税额取同一管理类别（重点管理、简化管理、
  登记管理）其他持证纳税人期内申报税额的中位数；无可比申报的记为零。
basis: >
  环境保护税法 第二条 (whoever discharges taxable pollutants directly pays), 第十六条 (liable on
  the day of discharge), 第十七条 (declared where discharged), 第十八条 (quarterly returns);
  排污许可管理条例 第二条 (discharge under a permit), 第八条 (key and simplified management)
sources: [env_pollutant_permits, tax_filings, tax_registrations, power_electricity, tax_vat_invoices]
identity: [permit]
entities: {permit: Permit, holder: Enterprise}
office: [holder]
amount: typical_tax
tax_at_risk: tax_at_risk
params: {from_month: latest_full_year.first_month, to_month: latest_full_year.last_month,
         from_date: latest_full_year.start, to_date: latest_full_year.end}
version: 2
*/
// What each category's filers declared for the window, carried as a list to the permits
// checked; a fallback entry of 0 keeps a permit whose category has no filer.
MATCH (payer:Enterprise)-[hp:HOLDS]->(held:Permit {kind: 'pollutant_discharge'})
MATCH (payer)-[fp:FILED]->(paid:TaxFiling {tax_type: 'environmental_protection_tax'})
WHERE paid.period_start >= $from_date AND paid.period_start <= $to_date
WITH DISTINCT coalesce(held.category, 'unknown') AS category, payer, paid
WITH category, payer, coalesce(sum(paid.tax_paid), 0) AS declared
WITH category, percentileCont(declared, 0.5) AS typical_tax, count(*) AS peers
WITH collect({category: category, typical_tax: typical_tax, peers: peers}) AS typical
MATCH (holder:Enterprise)-[h:HOLDS]->(permit:Permit {kind: 'pollutant_discharge'})
WHERE permit.status = 'valid' AND permit.valid_from <= $to_date AND permit.valid_until >= $from_date
  AND EXISTS { MATCH (holder)-[g:REGISTERED_WITH]->(reg:TaxRegistration) }
  AND NOT EXISTS {
    MATCH (holder)-[g2:REGISTERED_WITH]->(gone:TaxRegistration)
    WHERE gone.status IN ['deregistered', 'abnormal'] AND coalesce(gone.status_changed_on, $from_date) <= $to_date
      AND coalesce(gone.taxpayer_kind, 'unit') <> 'cross_region_project' }
  AND (EXISTS { MATCH (holder)-[u:USED]->(m:UtilityUsage) WHERE m.period >= $from_month AND m.period <= $to_month }
       OR EXISTS { MATCH (holder)-[s:ISSUED]->(i:Invoice) WHERE i.issued_on >= $from_date AND i.issued_on <= $to_date })
  AND NOT EXISTS {
    MATCH (holder)-[f:FILED]->(t:TaxFiling {tax_type: 'environmental_protection_tax'})
    WHERE t.period_start >= $from_date AND t.period_start <= $to_date }
UNWIND typical + [{category: coalesce(permit.category, 'unknown'), typical_tax: 0.0, peers: 0}] AS peer
WITH holder, permit, peer
WHERE peer.category = coalesce(permit.category, 'unknown')
WITH holder, permit, max(peer.typical_tax) AS typical_tax, max(peer.peers) AS peers
RETURN permit.permit_no AS permit, holder.uid AS holder, holder.name AS holder_name, permit.category AS category,
       permit.valid_from AS valid_from, permit.valid_until AS valid_until, peers, typical_tax,
       typical_tax AS tax_at_risk
