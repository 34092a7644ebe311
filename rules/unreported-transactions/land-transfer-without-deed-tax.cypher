/*
id: land-transfer-without-deed-tax
title: Land grant with no deed tax declared
pack: unreported-transactions
severity: high
tax: [deed_tax]
description: >
  A grant of state-owned construction land use rights (自然资源厅, 出让合同) for which no deed
  tax source (契税税源明细) names the contract number, nor names the parcel (电子监管号) with the
  buyer as taxpayer, once the grace period after signing has passed. A late declaration is
  not flagged: the rule tests that the tax was declared at all.
basis: >
  契税法 第一条 (the transferee of land use rights pays deed tax), 第二条 (a grant, 出让, is a
  transfer), 第三条 (rate 3 %–5 %), 第四条 (base: the price), 第九条 (due on the day the
  contract is signed), 第十条 (declared before the title is registered)
sources: [nr_land_transfers, tax_deed_tax]
identity: [contract_no]
entities: {contract: Contract, buyer: Enterprise}
office: [region_code, buyer]
amount: price
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, grace: 90 days, as_of: today}
version: 1
*/
MATCH (buyer:Enterprise)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'land_transfer'})
WHERE c.signed_on + $grace <= $as_of
  AND NOT EXISTS { MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r:CONCERNS]->(c) }
  AND NOT EXISTS {
    MATCH (c)-[r1:CONCERNS]->(parcel:Property)<-[r2:CONCERNS]-(t:TaxFiling {tax_type: 'deed_tax'})<-[r3:FILED]-(buyer)
    WHERE r1 <> r2 }
RETURN c.uid AS contract, c.contract_no AS contract_no, buyer.uid AS buyer, buyer.name AS buyer_name,
       c.signed_on AS signed_on, c.region_code AS region_code, c.amount AS price,
       c.amount * $deed_tax_rate AS tax_at_risk
