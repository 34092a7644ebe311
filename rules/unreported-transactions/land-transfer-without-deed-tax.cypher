/*
id: land-transfer-without-deed-tax
title: Land grant with no deed tax declared
title_zh: 土地出让未申报契税
pack: unreported-transactions
severity: high
tax: [deed_tax]
description: >
  A grant of state-owned construction land use rights (出让合同) for which no deed tax was
  declared at all, once the grace period after signing has passed: no deed tax filing is
  about the contract; none by the buyer is about the parcel (cited by any of its numbers:
  resolution makes it one node) from match_window before the signing on; and none by the
  buyer names no contract or property, is for land, and falls within match_window of the
  signing. The buyer of a filing about the parcel is the grant's buyer, or a firm of the same
  name (legal form unified, and a region prefix one of the two names leaves out: 宁夏诚瑞置业 |
  诚瑞置业): a return under a mistyped code, or by one of two registered namesakes the grant's
  name-only citation was not resolved to, or by the registered firm whose name a department
  wrote without its region, still declares the grant. The shorter of the two names must hold a
  trade name of trade_name_chars characters or more beside its legal form: a filer named only
  有限公司 ends every firm's name and declares nothing.
  A declaration filed late is not a missing one: deed-tax-filed-late reports it. A
  grant signed before the earliest deed tax filing delivered (since) is not judged: the tax is
  due from the signing (契税法 第九条), so its return may predate the returns delivered.
  The grace period is judged at as_of, the latest day the deed tax returns delivered reach, not
  the day the rule runs: a return due later may be in a delivery not yet made.
description_zh: >
  国有建设用地使用权出让（出让合同）签订后宽限期已满，仍完全未申报契税：没有关于该合同的契税申报；
  承受方自签订前 match_window 起没有关于该宗地（以其任一编号引用：
  实体归并后为同一节点）的申报；承受方也没有不注明合同或不动产、征税对象为土地、
  且在签订前后 match_window 以内的申报。关于该宗地的申报，申报人为承受方本身或同名企业（组织形式统一后，
  且其中一方省略行政区划前缀亦可：宁夏诚瑞置业｜诚瑞置业）即可：以错录代码申报的，或出让合同只写名称而归并时未能确定为两家同名登记企业中哪一家的，仍属已申报。
  较短的名称除组织形式外须有不少于 trade_name_chars 个字的字号：仅名为“有限公司”的申报人与任何企业名称结尾相同，不能视为已申报。逾期申报不属未申报，
  由契税逾期申报规则报告。签订早于已交付的最早契税申报（since）的出让不予判断：
  纳税义务自签订之日发生（契税法第九条），其申报可能早于已交付的数据。
  宽限期按 as_of（已交付的契税申报所及的最晚日期）判断，而非规则运行之日：此后到期的申报可能尚在未交付的数据中。
basis: >
  契税法 第一条 (the transferee of land use rights pays deed tax), 第二条 (a grant, 出让, is a
  transfer), 第三条 (rate 3 %–5 %), 第四条 (base: the price), 第九条 (due on the day the
  contract is signed), 第十条 (declared before the title is registered)
sources: [nr_land_transfers, tax_deed_tax]
identity: [contract]
entities: {contract: Contract, buyer: Enterprise}
office: [region_code, buyer]
amount: price
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, grace: 90 days, match_window: 90 days, as_of: latest_filing.deed_tax, since: earliest_filing.deed_tax,
         trade_name_chars: 2}
version: 7
*/
MATCH (buyer:Enterprise)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'land_transfer'})
WHERE c.signed_on + $grace <= $as_of AND c.signed_on >= $since
WITH buyer, c, size(buyer.name_norm) - size(coalesce(buyer.legal_form, '')) AS buyer_trade_name
WHERE NOT EXISTS { MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r:CONCERNS]->(c) }
  AND NOT EXISTS {
    MATCH (c)-[r1:CONCERNS]->(parcel:Property)<-[r2:CONCERNS]-(t:TaxFiling {tax_type: 'deed_tax'})<-[f:FILED]-(filer:Enterprise)
    WHERE r1 <> r2 AND coalesce(t.period_start, t.filed_on, c.signed_on) >= c.signed_on - $match_window
      AND (filer.uid = buyer.uid
           OR buyer_trade_name >= $trade_name_chars AND filer.name_norm ENDS WITH buyer.name_norm
           OR size(filer.name_norm) - size(coalesce(filer.legal_form, '')) >= $trade_name_chars
              AND buyer.name_norm ENDS WITH filer.name_norm) }
  AND NOT EXISTS {
    MATCH (buyer)-[f:FILED]->(t:TaxFiling {tax_type: 'deed_tax'})
    WHERE NOT (t)-[:CONCERNS]->(:Contract) AND NOT (t)-[:CONCERNS]->(:Property)
      AND coalesce(t.subject, 'land') = 'land' AND coalesce(t.tax_item, 'land_grant') = 'land_grant'
      AND ((t.period_start IS NULL AND t.filed_on >= c.signed_on - $match_window)
           OR (t.period_start >= c.signed_on - $match_window AND t.period_start <= c.signed_on + $match_window)) }
RETURN c.uid AS contract, c.contract_no AS contract_no, buyer.uid AS buyer, buyer.name AS buyer_name,
       c.signed_on AS signed_on, c.region_code AS region_code, c.amount AS price,
       c.amount * $deed_tax_rate AS tax_at_risk
