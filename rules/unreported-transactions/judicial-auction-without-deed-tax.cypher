/*
id: judicial-auction-without-deed-tax
title: Property bought at a judicial auction with no deed tax declared
title_zh: 司法拍卖取得不动产未申报契税
pack: unreported-transactions
severity: medium
tax: [deed_tax]
description: >
  A court sold a property at auction (司法拍卖成交: a hammer price, not unsold 流拍 nor
  withdrawn) and no deed tax was declared at all, once the grace period has passed: no deed
  tax filing is about the auction, none is about the property (cited by any of its numbers)
  from match_window before the sale on, and none by the buyer names no contract or property,
  is for a house or land bought at auction or by sale, and falls within match_window of the
  sale. A declaration filed late is not a missing one (deed-tax-filed-late); a sale before the
  earliest deed tax filing delivered (since) is not judged: its return, due from the sale, may
  predate the returns delivered.
  The grace period is judged at as_of, the latest day the deed tax returns delivered reach, not
  the day the rule runs: a return due later may be in a delivery not yet made.
description_zh: >
  法院拍卖不动产成交（司法拍卖成交：有成交价，非流拍或撤回），宽限期满后买受人仍完全未申报契税：
  没有关于该拍卖的契税申报；自成交前 match_window 起没有关于该不动产（以其任一编号引
  用）的申报；买受人也没有不注明合同或不动产、征税对象为拍卖或买卖取得的房屋或土地、
  且在成交前后 match_window 以内的申报。逾期申报不属未申报（见契税逾期申报规则）；
  成交早于已交付的最早契税申报（since）的，不予判断：其申报自成交起即应办理，可能早于已交付的数据。
  宽限期按 as_of（已交付的契税申报所及的最晚日期）判断，而非规则运行之日：此后到期的申报可能尚在未交付的数据中。
basis: >
  契税法 第一条 (the buyer of land or a house pays deed tax; a judicial sale transfers the
  title, 民事诉讼法 / 最高人民法院关于人民法院网络司法拍卖若干问题的规定 第三十条: the buyer bears
  the buyer's taxes), 第四条 (base: the price, here the hammer price), 第九条, 第十条; the office is the one where the land or house lies (契税暂行条例 第十条)
sources: [court_auctions, tax_deed_tax]
identity: [auction]
entities: {auction: Contract, property: Property, buyer: Party}
office: [region_code, buyer]
amount: price
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, grace: 90 days, match_window: 90 days, as_of: latest_filing.deed_tax, since: earliest_filing.deed_tax}
version: 5
*/
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(a:Contract {kind: 'auction'})-[r:CONCERNS]->(u:Property)
WHERE a.amount > 0 AND NOT coalesce(a.status, 'sold') IN ['unsold', 'withdrawn'] AND a.signed_on + $grace <= $as_of
  AND a.signed_on >= $since
  AND NOT EXISTS { MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r0:CONCERNS]->(a) }
  AND NOT EXISTS {
    MATCH (u)<-[r1:CONCERNS]-(t:TaxFiling {tax_type: 'deed_tax'})
    WHERE coalesce(t.period_start, t.filed_on, a.signed_on) >= a.signed_on - $match_window }
  AND NOT EXISTS {
    MATCH (buyer)-[f:FILED]->(t:TaxFiling {tax_type: 'deed_tax'})
    WHERE NOT (t)-[:CONCERNS]->(:Contract) AND NOT (t)-[:CONCERNS]->(:Property)
      AND coalesce(t.tax_item, 'judicial_auction') IN ['judicial_auction', 'sale']
      AND ((t.period_start IS NULL AND t.filed_on >= a.signed_on - $match_window)
           OR (t.period_start >= a.signed_on - $match_window AND t.period_start <= a.signed_on + $match_window)) }
RETURN a.uid AS auction, a.reference AS case_no, u.uid AS property, u.unit_no AS unit_no, buyer.uid AS buyer,
       buyer.name AS buyer_name, coalesce(a.region_code, u.region_code) AS region_code, a.signed_on AS sold_on, a.amount AS price, a.amount * $deed_tax_rate AS tax_at_risk
