/*
id: inactive-taxpayer-operating
title: Deregistered or non-compliant (非正常) taxpayer still operating
title_zh: 已注销或非正常户纳税人仍在经营
pack: missing-registration
severity: critical
tax: [vat, enterprise_income_tax]
description: >
  The tax registration (not a cross-region project report, which ends with its project) says
  the taxpayer was deregistered (注销) or became abnormal (非正常) on a date, yet any source
  shows it in business after that date: invoices it issued, social insurance for a month
  after the date (or paid later than the last month's contribution could arrive,
  payroll_grace), electricity metered for a month after the date, contracts it signed. At
  least min_activity such records are needed, as one stray record is not a business still
  operating. Its sales since then escape VAT.
description_zh: >
  税务登记（不含随项目结束的跨区域涉税事项报告）显示纳税人已于某日注销或被认定为非正常户，
  此后却仍有数据显示其在经营：开具发票，该日以后月份的社会保险缴费（或缴费晚于最后一个月缴费可能到
  账的时间，payroll_grace），该日以后月份的用电，签订合同。至少需要 min_activity 条
  此类记录，零星一条不足以认定仍在经营。其此后的销售逃避了增值税。
basis: >
  税收征收管理法 第十六条 (a change or end of business is reported to the tax office), 第二十五条
  (a taxpayer in business declares); 税收征收管理法实施细则 第十五条 (deregistration ends the
  business); 国家税务总局公告2014年第36号 第二条 (a taxpayer not declaring and not found is 非正常户;
  it may not resume without declaring); 增值税暂行条例 第一条
sources: [tax_registrations, tax_vat_invoices, hrss_social_insurance, power_electricity, nr_property_register,
          housing_leases, housing_construction_permits]
identity: [enterprise]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: sales_after
tax_at_risk: tax_at_risk
params: {payroll_grace: 45 days, min_activity: 2, vat_rate: 0.03}
version: 2
*/
// A month (YYYY-MM) is after the date when its first day is: date(period + '-01') runs on both engines.
MATCH (e:Enterprise)-[reg:REGISTERED_WITH]->(t:TaxRegistration)
WHERE t.status IN ['deregistered', 'abnormal'] AND t.status_changed_on IS NOT NULL
  AND coalesce(t.taxpayer_kind, 'unit') <> 'cross_region_project'
OPTIONAL MATCH (e)-[s:ISSUED]->(i:Invoice)
WHERE i.issued_on > t.status_changed_on
WITH e, t, count(i) AS invoices_after, coalesce(sum(i.amount), 0) AS sales_after
OPTIONAL MATCH (e)-[w:EMPLOYS]->(p:Person)
WHERE date(w.period + '-01') > t.status_changed_on OR w.paid_on > t.status_changed_on + $payroll_grace
WITH e, t, invoices_after, sales_after, count(DISTINCT w.period) AS contribution_months_after
OPTIONAL MATCH (e)-[u:USED]->(m:UtilityUsage)
WHERE m.kwh > 0 AND date(m.period + '-01') > t.status_changed_on
WITH e, t, invoices_after, sales_after, contribution_months_after, count(DISTINCT m.period) AS electricity_months_after
OPTIONAL MATCH (e)-[q:PARTY_TO]->(c:Contract)
WHERE coalesce(c.signed_on, c.start_on, c.paid_on) > t.status_changed_on
WITH e, t, invoices_after, sales_after, contribution_months_after, electricity_months_after,
     count(DISTINCT c.uid) AS contracts_after
WHERE invoices_after + contribution_months_after + electricity_months_after + contracts_after >= $min_activity
RETURN e.uid AS enterprise, e.name AS name, t.status AS tax_status, t.status_changed_on AS status_since,
       invoices_after, contribution_months_after, electricity_months_after, contracts_after, sales_after,
       sales_after * $vat_rate AS tax_at_risk
