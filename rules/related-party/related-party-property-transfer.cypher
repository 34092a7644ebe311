/*
id: related-party-property-transfer
title: House sold below market between related parties
title_zh: 关联方之间低价转让房屋
pack: related-party
severity: medium
tax: [deed_tax, individual_income_tax]
description: >
  A house sale between kin (a marriage registration, one household) or members of one
  interest group (control_share: see the interest_groups precompute step), at a price per
  square metre more than max_discount below the median of sales in the same county (the
  contract's, else the property's; the whole region's sales where neither is given). Declaring
  a low price between relatives lowers deed tax and the seller's income tax.
description_zh: >
  亲属之间（婚姻登记、同一户籍）或同一利益关联组成员之间（control_share：
  见 interest_groups 预计算步骤）买卖房屋，每平方米价格低于同一区县（按合同所在区
  县，否则按房屋所在区县；两者均无的按全地区）成交价中位数超过 max_discount。
  亲属之间申报低价，少缴契税和出售方的个人所得税。
basis: >
  契税法 第四条 (a declared price markedly low without good reason is assessed: 税收征收管理法
  第三十五条（六）); 个人所得税法 第八条（一）(transactions between related parties at other than
  arm's length are adjusted); 国家税务总局公告2016年第42号 第二条 (related parties)
sources: [nr_property_register, civil_marriages, police_household_register]
identity: [contract]
entities: {contract: Contract, property: Property, buyer: Party, seller: Party}
office: [region_code, buyer]
amount: undervalue
tax_at_risk: tax_at_risk
params: {max_discount: 0.3, deed_tax_rate: 0.03, control_share: 0.25}
precompute: [interest_groups]
version: 2
*/
MATCH (sale:Contract {kind: 'property_sale'})-[r0:CONCERNS]->(unit:Property)
WHERE sale.amount > 0 AND unit.area_m2 > 0
WITH coalesce(sale.region_code, unit.region_code, 'region') AS market, percentileCont(sale.amount / unit.area_m2, 0.5) AS market_per_m2
MATCH (buyer)-[p1:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'property_sale'})<-[p2:PARTY_TO {role: 'seller'}]-(seller)
MATCH (c)-[r:CONCERNS]->(u:Property)
WHERE p1 <> p2 AND coalesce(c.region_code, u.region_code, 'region') = market AND u.area_m2 > 0
  AND buyer.uid <> seller.uid
  AND c.amount < (1 - $max_discount) * market_per_m2 * u.area_m2
  AND (buyer.interest_group = seller.interest_group OR buyer.household_no = seller.household_no
       OR EXISTS { MATCH (buyer)-[k:KIN_OF]-(seller) })
RETURN c.uid AS contract, c.contract_no AS contract_no, u.uid AS property, buyer.uid AS buyer, seller.uid AS seller,
       coalesce(c.region_code, u.region_code) AS region_code, market, c.amount AS price,
       market_per_m2 * u.area_m2 AS market_value,
       market_per_m2 * u.area_m2 - c.amount AS undervalue,
       (market_per_m2 * u.area_m2 - c.amount) * $deed_tax_rate AS tax_at_risk
