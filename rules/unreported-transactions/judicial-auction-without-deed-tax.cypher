/*
id: judicial-auction-without-deed-tax
title: Property bought at a judicial auction with no deed tax declared
pack: unreported-transactions
severity: medium
tax: [deed_tax]
description: >
  A court sold a property at auction (司法拍卖成交) and no deed tax source for that property
  unit was declared on or after the sale, once the grace period has passed. The buyer of a
  judicial auction owes deed tax on the hammer price like any other buyer.
basis: >
  契税法 第一条 (the buyer of land or a house pays deed tax; a judicial sale transfers the
  title, 民事诉讼法 / 最高人民法院关于人民法院网络司法拍卖若干问题的规定 第三十条: the buyer bears
  the buyer's taxes), 第四条 (base: the price, here the hammer price), 第九条, 第十条
sources: [court_auctions, tax_deed_tax]
identity: [auction]
entities: {auction: Contract, property: Property, buyer: Party}
office: [buyer]
amount: price
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, grace: 90 days, as_of: today}
version: 1
*/
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(a:Contract {kind: 'auction'})-[r:CONCERNS]->(u:Property)
WHERE a.signed_on + $grace <= $as_of
  AND NOT EXISTS {
    MATCH (u)<-[r1:CONCERNS]-(t:TaxFiling {tax_type: 'deed_tax'}) WHERE t.filed_on >= a.signed_on }
RETURN a.uid AS auction, a.reference AS case_no, u.uid AS property, buyer.uid AS buyer, buyer.name AS buyer_name,
       a.signed_on AS sold_on, a.amount AS price, a.amount * $deed_tax_rate AS tax_at_risk
