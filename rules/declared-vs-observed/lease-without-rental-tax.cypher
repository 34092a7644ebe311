/*
id: lease-without-rental-tax
title: Registered house lease with no rental income declared
pack: declared-vs-observed
severity: medium
tax: [individual_income_tax, property_tax]
description: >
  A house lease registered with housing (房屋租赁登记备案) and not cancelled, started at least
  the grace period ago, is named by no tax return (关联凭证号 = the lease's 备案编号): the
  lessor declared neither individual income tax on rent (财产租赁所得) nor property tax on rent
  (从租计征) for it. The tax at risk is a year's rent at the combined rate.
basis: >
  个人所得税法 第二条（八）(财产租赁所得 is taxable), 第三条（三）(20 %), 第六条（四）(less 800 元 or
  20 % a month), 第九条 (a payer withholds); 房产税暂行条例 第二条, 第三条 (a leased house pays 12 % of
  the rent); 财税〔2008〕24号 第二条 (an individual's housing rent: IIT 10 %, property tax 4 %)
sources: [housing_leases, tax_filings]
identity: [lease]
entities: {contract: Contract, lessor: Party}
office: [region_code, lessor]
amount: yearly_rent
tax_at_risk: tax_at_risk
params: {cancelled: cancelled, grace: 90 days, as_of: today, rental_rate: 0.1}
version: 1
*/
MATCH (lessor)-[p:PARTY_TO {role: 'lessor'}]->(c:Contract {kind: 'lease'})
WHERE coalesce(c.status, '') <> $cancelled AND c.start_on + $grace <= $as_of
OPTIONAL MATCH (t:TaxFiling)
WHERE t.reference = c.contract_no
WITH lessor, c, count(t) AS returns
WHERE returns = 0
RETURN c.uid AS contract, c.contract_no AS lease, lessor.uid AS lessor, lessor.name AS lessor_name,
       c.region_code AS region_code, c.start_on AS start_on, c.end_on AS end_on, c.amount AS monthly_rent,
       c.amount * 12 AS yearly_rent, c.amount * 12 * $rental_rate AS tax_at_risk
