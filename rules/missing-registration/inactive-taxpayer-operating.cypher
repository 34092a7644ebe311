/*
id: inactive-taxpayer-operating
title: Deregistered or non-compliant (非正常) taxpayer still operating
pack: missing-registration
severity: critical
tax: [vat, enterprise_income_tax]
description: >
  The tax registration says the taxpayer was deregistered (注销) or became abnormal (非正常)
  on a date, and its returns stop there; yet after that date it still issues invoices, or
  pays social insurance for staff later than the contribution for the last month before it
  could arrive (payroll_grace): at least min_activity such records, as one stray record is
  not a business still operating. Its sales since then escape VAT.
basis: >
  税收征收管理法 第十六条 (a change or end of business is reported to the tax office), 第二十五条
  (a taxpayer in business declares); 税收征收管理法实施细则 第十五条 (deregistration ends the
  business); 国家税务总局公告2014年第36号 第二条 (a taxpayer not declaring and not found is 非正常户;
  it may not resume without declaring); 增值税暂行条例 第一条
sources: [tax_registrations, tax_vat_invoices, hrss_social_insurance]
identity: [enterprise]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: sales_after
tax_at_risk: tax_at_risk
params: {statuses: [deregistered, abnormal], payroll_grace: 45 days, min_activity: 2, vat_rate: 0.03}
version: 1
*/
MATCH (e:Enterprise)-[reg:REGISTERED_WITH]->(t:TaxRegistration)
WHERE t.status IN $statuses AND t.status_changed_on IS NOT NULL
OPTIONAL MATCH (e)-[s:ISSUED]->(i:Invoice)
WHERE i.issued_on > t.status_changed_on
WITH e, t, count(i) AS invoices_after, coalesce(sum(i.amount), 0) AS sales_after
OPTIONAL MATCH (e)-[w:EMPLOYS]->(p:Person)
WHERE w.paid_on > t.status_changed_on + $payroll_grace
WITH e, t, invoices_after, sales_after, count(w) AS contributions_after
WHERE invoices_after + contributions_after >= $min_activity
RETURN e.uid AS enterprise, e.name AS name, t.status AS tax_status, t.status_changed_on AS status_since,
       invoices_after, contributions_after, sales_after, sales_after * $vat_rate AS tax_at_risk
