/*
id: property-transfer-without-deed-tax
title: House sale with no deed tax declared
title_zh: 房屋买卖未申报契税
pack: unreported-transactions
severity: high
tax: [deed_tax]
description: >
  A transfer of a house by sale (a property_sale contract: 买卖, with or without an online
  contract number) for which no deed tax was declared at all, once the grace period after
  the transfer (the contract's signing, else the buyer's registration) has passed: no deed
  tax filing is about the contract; none is about the unit (cited by any of its numbers) from
  match_window before the transfer on, filed by the buyer or, whoever the register and the tax
  office name (a mistyped ID number keeps two mentions of one buyer apart), with no other sale
  of the unit between the transfer and the filing; none by the buyer names no contract or
  property, is for a house sale and falls within match_window of the transfer. A first
  registration (首次登记) and an inheritance (继承, exempt) are no sale and yield no contract;
  a declaration filed late is not a missing one (deed-tax-filed-late). The tax is due from the
  signing and declared before the registration, so a sale is judged only when the returns
  delivered reach back to when it fell due: signed on or after the earliest deed tax filing
  delivered (since), or, known by its registration alone, registered at least match_window
  after it. An older sale's return may predate the returns delivered (a register lists sales of
  decades; a house bought weeks before the first return delivered was declared before it).
  The grace period is judged at as_of, the latest day the deed tax returns delivered reach, not
  the day the rule runs: a return due later may be in a delivery not yet made.
description_zh: >
  以买卖方式转移房屋（房屋买卖合同：买卖，不论有无网签合同编号），转移（合同签订日，
  否则承受方登记日）后宽限期已满仍完全未申报契税：没有关于该合同的契税申报；
  自转移前 match_window 起没有关于该房屋（以其任一编号引用）
  的申报，无论是承受方申报的，还是他人申报（身份证号录入错误会使同一承受方的两处记录未能归并）
  而转移与申报之间该房屋没有其他买卖的；承受方也没有不注明合同或不动产、征税对象为房屋买卖、
  且在转移前后 match_window 以内的申报。首次登记和继承（免征）
  不是买卖，不生成合同；逾期申报不属未申报（见契税逾期申报规则）。契税自合同签订之日起发生纳税义务、
  于办理权属登记前申报，故仅当已交付的申报数据能覆盖纳税义务发生之时才予判断：合同签订日不早于已交付的
  最早契税申报日（since），或仅知登记日的，登记日晚于 since 至少 match_window。更早的买卖，其申报可能早于
  已交付的数据（登记簿记载几十年的买卖；在最早申报数据前数周购房的，已在此前申报）。
  宽限期按 as_of（已交付的契税申报所及的最晚日期）判断，而非规则运行之日：此后到期的申报可能尚在未交付的数据中。
basis: >
  契税法 第一条 (the transferee of a house pays), 第二条 (a sale, 房屋买卖, is a transfer),
  第四条 (base: the price), 第九条 (due when the contract is signed), 第十条 (declared before
  the title is registered); the office is the one where the land or house lies (契税暂行条例 第十条)
sources: [nr_property_register, tax_deed_tax]
identity: [contract]
entities: {contract: Contract, property: Property, buyer: Party}
office: [region_code, buyer]
amount: price
tax_at_risk: tax_at_risk
params: {deed_tax_rate: 0.03, grace: 90 days, match_window: 90 days, as_of: latest_filing.deed_tax, since: earliest_filing.deed_tax}
version: 5
*/
// Another sale of the unit is between the transfer and a filing when signed before the filing's
// filed_on (a deed tax source always has one); a comparison with the filing's other, null, dates
// inside this nested subquery came out true on Ladybug, so only filed_on is compared there.
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'property_sale'})-[r:CONCERNS]->(u:Property)
OPTIONAL MATCH (buyer)-[o:OWNS]->(u)
WITH buyer, c, u, coalesce(c.signed_on, min(o.since)) AS transferred_on,
     coalesce(c.signed_on, min(o.since) - $match_window) AS due_from
WHERE transferred_on + $grace <= $as_of AND due_from >= $since
  AND NOT EXISTS { MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r1:CONCERNS]->(c) }
  AND NOT EXISTS {
    MATCH (u)<-[r2:CONCERNS]-(t:TaxFiling {tax_type: 'deed_tax'})
    WHERE coalesce(t.period_start, t.filed_on, transferred_on) >= transferred_on - $match_window
      AND (EXISTS { MATCH (buyer)-[f:FILED]->(t) }
           OR NOT EXISTS {
             MATCH (u)<-[r4:CONCERNS]-(other:Contract {kind: 'property_sale'})
             WHERE other.uid <> c.uid
               AND (other.signed_on IS NULL
                    OR (other.signed_on > transferred_on AND other.signed_on - $match_window <= t.filed_on)) }) }
  AND NOT EXISTS {
    MATCH (buyer)-[f:FILED]->(t:TaxFiling {tax_type: 'deed_tax'})
    WHERE NOT (t)-[:CONCERNS]->(:Contract) AND NOT (t)-[:CONCERNS]->(:Property)
      AND coalesce(t.subject, 'house') = 'house' AND coalesce(t.tax_item, 'sale') = 'sale'
      AND ((t.period_start IS NULL AND t.filed_on >= transferred_on - $match_window)
           OR (t.period_start >= transferred_on - $match_window AND t.period_start <= transferred_on + $match_window)) }
OPTIONAL MATCH (seller)-[s:PARTY_TO {role: 'seller'}]->(c)
RETURN c.uid AS contract, c.contract_no AS contract_no, u.uid AS property, u.cert_no AS cert_no,
       buyer.uid AS buyer, buyer.name AS buyer_name, seller.uid AS seller, transferred_on,
       coalesce(c.region_code, u.region_code) AS region_code, c.amount AS price, c.amount * $deed_tax_rate AS tax_at_risk
