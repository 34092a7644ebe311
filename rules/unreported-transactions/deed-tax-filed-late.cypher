/*
id: deed-tax-filed-late
title: Deed tax declared after it was due
title_zh: 契税逾期申报
pack: unreported-transactions
severity: low
tax: [deed_tax]
description: >
  A land grant, house sale or judicial auction whose deed tax was declared, but late: the
  earliest declaration about it (the filing about the contract, or the buyer's filing about
  the property from match_window before the transfer on) was filed after the buyer registered
  the title, or, where the registration is not in the data, more than grace after the
  contract was signed. A holding dated on the signing day itself is the contract's own word
  (a department that records a grant as the buyer's from signing), not a registration: a title
  is registered after the contract, so only a later date counts as one. The tax was paid, so
  tax_at_risk is 0: what is owed is the late-payment
  surcharge (滞纳金, 0.05 % a day) on tax_paid from due_on to filed_on, both in the evidence
  (the engines share no portable day difference). A missing declaration is the other deed
  tax rules' finding.
description_zh: >
  土地出让、房屋买卖或司法拍卖的契税已经申报，但晚于期限：关于该交易的最早申报（关于该合同的申报，
  或承受方自转移前 match_window 起关于该不动产的申报）晚于承受方办理权属登记的日期；
  数据中没有权属登记的，晚于合同签订后 grace。自签订当日起的持有记录只是合同本身的表述（有的部门把出让记为受让方自签订起持有），
  不是权属登记：登记在合同之后，只有晚于签订日的日期才视为登记日。税款已经缴纳，风险税额为 0：
  应加收的是滞纳金（每日万分之五），按 tax_paid 自 due_on 至 filed_on 计
  算，均列于证据中（两种引擎没有可移植的日期差函数）。未申报契税的，由其他契税规则报告。
basis: >
  契税法 第九条 (the liability arises on the day the contract is signed), 第十条 (declared and
  paid before the title is registered); 税收征收管理法 第三十二条 (a surcharge of 0.05 % a day
  on tax paid late); the office is the one where the land or house lies (契税暂行条例 第十条)
sources: [nr_land_transfers, nr_property_register, court_auctions, tax_deed_tax]
identity: [contract]
entities: {contract: Contract, property: Property, buyer: Party}
office: [region_code, buyer]
amount: price
tax_at_risk: tax_at_risk
params: {grace: 90 days, match_window: 90 days}
version: 3
*/
MATCH (buyer)-[p:PARTY_TO {role: 'buyer'}]->(c:Contract)-[r:CONCERNS]->(u:Property)
WHERE c.kind IN ['land_transfer', 'property_sale', 'auction']
OPTIONAL MATCH (buyer)-[o:OWNS]->(u)
WITH buyer, c, u, min(CASE WHEN c.signed_on IS NULL OR o.since > c.signed_on THEN o.since END) AS registered_on
WITH buyer, c, u, registered_on, coalesce(c.signed_on, registered_on) AS transferred_on
OPTIONAL MATCH (t1:TaxFiling {tax_type: 'deed_tax'})-[r1:CONCERNS]->(c)
WITH buyer, c, u, registered_on, transferred_on, min(t1.filed_on) AS by_contract, max(t1.tax_paid) AS paid_by_contract
OPTIONAL MATCH (u)<-[r2:CONCERNS]-(t2:TaxFiling {tax_type: 'deed_tax'})<-[f:FILED]-(buyer)
WHERE coalesce(t2.period_start, t2.filed_on) >= transferred_on - $match_window
WITH buyer, c, u, registered_on, transferred_on, by_contract, paid_by_contract, min(t2.filed_on) AS by_property,
     max(t2.tax_paid) AS paid_by_property
WITH buyer, c, u, registered_on, transferred_on,
     CASE WHEN by_property IS NULL OR by_contract <= by_property THEN by_contract ELSE by_property END AS filed_on,
     coalesce(paid_by_contract, paid_by_property, 0.0) AS tax_paid,
     coalesce(registered_on, transferred_on + $grace) AS due_on
WHERE filed_on > due_on
RETURN c.uid AS contract, c.kind AS kind, c.contract_no AS contract_no, c.reference AS reference, u.uid AS property,
       buyer.uid AS buyer, buyer.name AS buyer_name, transferred_on, registered_on, due_on, filed_on, tax_paid,
       coalesce(c.region_code, u.region_code) AS region_code, c.amount AS price, 0.0 AS tax_at_risk
