/*
id: property-transfer-without-deed-tax
title: House sale registered with no deed tax declared
pack: unreported-transactions
severity: high
tax: [deed_tax]
description: >
  A transfer of a house by sale (不动产登记簿, 转移登记 with an online sale contract) for which
  no deed tax source names the sale contract, nor names the property unit (不动产单元号) with
  the buyer as taxpayer, once the grace period after registration has passed. Transfers
  without a sale contract (inheritance, 继承, is exempt) are not sales and are not checked.
basis: >
  契税法 第一条 (the transferee of a house pays), 第二条 (a sale, 房屋买卖, is a transfer),
  第四条 (base: the price), 第九条 (due when the contract is signed), 第十条 (declared before
  the title is registered)
sources: [nr_property_register, tax_deed_tax]
identity: [contract_no]
entities: {contract: Contract, property: Property, buyer: Party}
office: [region_code, buyer]
amount: price
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, grace: 90 days, as_of: today}
version: 1
*/
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'property_sale'})-[r:CONCERNS]->(u:Property)
MATCH (buyer)-[o:OWNS]->(u)
WHERE o.since + $grace <= $as_of
  AND NOT EXISTS { MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r1:CONCERNS]->(c) }
  AND NOT EXISTS {
    MATCH (u)<-[r2:CONCERNS]-(t:TaxFiling {tax_type: 'deed_tax'})<-[f:FILED]-(buyer) }
OPTIONAL MATCH (seller)-[s:PARTY_TO {role: 'seller'}]->(c)
RETURN c.uid AS contract, c.contract_no AS contract_no, u.uid AS property, u.cert_no AS cert_no,
       buyer.uid AS buyer, buyer.name AS buyer_name, seller.uid AS seller, o.since AS registered_on,
       c.region_code AS region_code, c.amount AS price, c.amount * $deed_tax_rate AS tax_at_risk
