/*
id: payroll-iit-underreported
title: Wages declared for withholding far below the social-insurance wage base
pack: declared-vs-observed
severity: medium
tax: [individual_income_tax]
description: >
  A registered employer's wages declared in its individual income tax withholding returns
  (工资薪金所得) for the period are below max_ratio of the wage base it paid social insurance
  on for the same months, and the wages left undeclared reach min_undeclared (materiality).
  Staff earning below the minimum contribution base explain a gap of a few tens of per cent,
  not half.
basis: >
  个人所得税法 第二条（一）(wages are taxable), 第六条（一）(taxable wages: the year's income less
  60,000 元, 5,000 元 a month), 第九条 and 第十一条 (the employer withholds monthly); 个人所得税法
  实施条例 第六条 (wages); 社会保险法 第十二条 (contributions on the wage)
sources: [hrss_social_insurance, tax_filings, tax_registrations]
identity: [enterprise, from_month, to_month]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: undeclared_wages
tax_at_risk: tax_at_risk
params: {max_ratio: 0.5, min_undeclared: 20000.0, iit_rate: 0.1, wage_item: wages, from_month: '2023-01', to_month: '2023-12',
         from_date: 2023-01-01, to_date: 2023-12-31}
version: 1
*/
MATCH (e:Enterprise)-[w:EMPLOYS]->(p:Person)
WHERE w.period >= $from_month AND w.period <= $to_month AND (e)-[:REGISTERED_WITH]->(:TaxRegistration)
WITH e, coalesce(sum(w.wage_base), 0) AS wage_base, count(DISTINCT p) AS staff
WHERE wage_base > 0
OPTIONAL MATCH (e)-[f:FILED]->(t:TaxFiling {tax_item: $wage_item})
WHERE t.period_start >= $from_date AND t.period_start <= $to_date
WITH e, wage_base, staff, coalesce(sum(t.declared_base), 0) AS declared
WHERE declared < $max_ratio * wage_base AND wage_base - declared >= $min_undeclared
RETURN e.uid AS enterprise, e.name AS name, $from_month AS from_month, $to_month AS to_month, staff, wage_base,
       declared AS declared_wages, declared / wage_base AS ratio, wage_base - declared AS undeclared_wages,
       (wage_base - declared) * $iit_rate AS tax_at_risk
