/*
id: property-price-underdeclared
title: Deed tax declared on far less than the registered sale price
pack: unreported-transactions
severity: medium
tax: [deed_tax]
description: >
  A house sale whose deed tax source (joined by the sale contract number) declares a tax base
  below min_ratio of the price registered with the real-estate register. Deducting furniture
  or fees explains a few per cent, not a third.
basis: >
  契税法 第四条 (the base of a sale is the transaction price, 成交价格; a price declared
  markedly low without good reason is assessed by the tax authority under 税收征收管理法
  第三十五条), 第三条 (rate)
sources: [nr_property_register, tax_deed_tax]
identity: [contract_no]
entities: {contract: Contract, property: Property, buyer: Party}
office: [region_code, buyer]
amount: undeclared
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, min_ratio: 0.7}
version: 1
*/
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'property_sale'})-[r:CONCERNS]->(u:Property)
MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r1:CONCERNS]->(c)
WHERE c.amount > 0 AND t.declared_base < $min_ratio * c.amount
RETURN c.uid AS contract, c.contract_no AS contract_no, u.uid AS property, u.cert_no AS cert_no,
       buyer.uid AS buyer, buyer.name AS buyer_name, t.filing_id AS filing, c.region_code AS region_code,
       c.amount AS registered_price, t.declared_base AS declared_base, t.declared_base / c.amount AS ratio,
       c.amount - t.declared_base AS undeclared, (c.amount - t.declared_base) * $deed_tax_rate AS tax_at_risk
