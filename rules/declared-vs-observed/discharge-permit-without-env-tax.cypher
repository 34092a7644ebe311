/*
id: discharge-permit-without-env-tax
title: Valid pollutant discharge permit with no environmental protection tax
pack: declared-vs-observed
severity: medium
tax: [environmental_protection_tax]
description: >
  A registered taxpayer holds a pollutant discharge permit (排污许可证) valid during the period,
  operates (it uses electricity or issues invoices), and filed no environmental protection
  tax return for the permit (关联凭证号) in the period. The tax at risk assumes the typical
  yearly pollution equivalents of the permit's category.
basis: >
  环境保护税法 第二条 (whoever discharges taxable pollutants directly pays), 第十六条 (liable on
  the day of discharge), 第十七条 (declared where discharged), 第十八条 (quarterly returns);
  排污许可管理条例 第二条 (discharge under a permit), 第八条 (key and simplified management)
sources: [env_pollutant_permits, tax_filings, tax_registrations, power_electricity, tax_vat_invoices]
identity: [permit]
entities: {permit: Permit, holder: Enterprise}
office: [holder]
amount: equivalents
tax_at_risk: tax_at_risk
params: {valid: valid, key_category: key, key_equivalents: 240000.0, other_equivalents: 32000.0,
         tax_per_equivalent: 1.2, from_date: 2023-01-01, to_date: 2023-12-31}
version: 1
*/
MATCH (holder:Enterprise)-[h:HOLDS]->(permit:Permit {kind: 'pollutant_discharge'})
WHERE permit.status = $valid AND permit.valid_from <= $to_date AND permit.valid_until >= $from_date
  AND (holder)-[:REGISTERED_WITH]->(:TaxRegistration)
  AND ((holder)-[:USED]->(:UtilityUsage) OR (holder)-[:ISSUED]->(:Invoice))
  AND NOT EXISTS {
    MATCH (holder)-[f:FILED]->(t:TaxFiling {tax_type: 'environmental_protection_tax'})
    WHERE t.reference = permit.permit_no AND t.period_start >= $from_date AND t.period_start <= $to_date }
WITH holder, permit,
     CASE WHEN permit.category = $key_category THEN $key_equivalents ELSE $other_equivalents END AS equivalents
RETURN permit.permit_no AS permit, holder.uid AS holder, holder.name AS holder_name, permit.category AS category,
       permit.valid_from AS valid_from, permit.valid_until AS valid_until, equivalents,
       equivalents * $tax_per_equivalent AS tax_at_risk
