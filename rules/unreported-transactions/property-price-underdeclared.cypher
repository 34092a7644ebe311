/*
id: property-price-underdeclared
title: Deed tax declared on far less than the registered sale price
title_zh: 契税计税依据明显低于登记成交价格
pack: unreported-transactions
severity: medium
tax: [deed_tax]
description: >
  A house sale whose deed tax was declared on a tax base below min_ratio of the price
  registered with the real-estate register. The deed tax filing is the one about the sale
  contract, or the buyer's one about the unit (cited by any of its numbers); of several, the
  largest base counts. Deducting furniture or fees explains a few per cent, not a third.
description_zh: >
  房屋买卖申报契税的计税依据低于不动产登记成交价格的 min_ratio。
  契税申报取关于该买卖合同的申报，或承受方关于该房屋（以其任一编号引用）的申报；
  有多份的，取计税依据最大者。扣除家具或费用只能解释几个百分点，不能解释三分之一。
basis: >
  契税法 第四条 (the base of a sale is the transaction price, 成交价格; a price declared
  markedly low without good reason is assessed by the tax authority under 税收征收管理法
  第三十五条), 第三条 (rate); the office is the one where the land or house lies (契税暂行条例 第十条)
sources: [nr_property_register, tax_deed_tax]
identity: [contract]
entities: {contract: Contract, property: Property, buyer: Party}
office: [region_code, buyer]
amount: undeclared
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, min_ratio: 0.7}
version: 3
*/
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'property_sale'})-[r:CONCERNS]->(u:Property)
WHERE c.amount > 0
OPTIONAL MATCH (t1:TaxFiling {tax_type: 'deed_tax'})-[r1:CONCERNS]->(c)
WITH buyer, c, u, max(t1.declared_base) AS by_contract
OPTIONAL MATCH (u)<-[r2:CONCERNS]-(t2:TaxFiling {tax_type: 'deed_tax'})<-[f:FILED]-(buyer)
WITH buyer, c, u, by_contract, max(t2.declared_base) AS by_property
WITH buyer, c, u, CASE WHEN by_property IS NULL OR by_contract >= by_property THEN by_contract
                       ELSE by_property END AS declared_base
WHERE declared_base < $min_ratio * c.amount
RETURN c.uid AS contract, c.contract_no AS contract_no, u.uid AS property, u.cert_no AS cert_no,
       buyer.uid AS buyer, buyer.name AS buyer_name, coalesce(c.region_code, u.region_code) AS region_code,
       c.amount AS registered_price, declared_base, declared_base / c.amount AS ratio,
       c.amount - declared_base AS undeclared, (c.amount - declared_base) * $deed_tax_rate AS tax_at_risk
