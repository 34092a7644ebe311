/*
id: circular-invoicing-ring
title: Circular invoicing ring of three or four firms
title_zh: 三户或四户企业循环开票
pack: invoicing
severity: critical
tax: [vat]
description: >
  Three or four firms invoice each other in a closed ring (A→B→C→A, or A→B→C→D→A) with
  every amount within ±tolerance of the others' midpoint (the agreed amount, give or take the
  rounding of quantities) and every invoice of the ring issued
  within the window (every pair of invoices is compared, so the spread of amounts and of dates
  is bounded): goods that go round in a circle are not traded; the invoices inflate turnover
  and input VAT. Each ring is reported once, from its smallest member.
description_zh: >
  三户或四户企业相互开具发票形成闭环（甲→乙→丙→甲，或甲→乙→丙→丁→甲），
  每张发票金额与各方中间值相差不超过 ±tolerance（约定金额加上数量取整的误差），
  且环内所有发票均在 window 期限内开具（两两比较，金额和日期的离散程度均有界）。
  货物循环流转并非真实交易，这些发票虚增营业额和增值税进项税额。每个闭环只从其编号最小的成员报告一
  次。
basis: >
  发票管理办法 第二十二条 (no invoice may be issued for business not actually done: 虚开);
  增值税暂行条例 第八条, 第九条 (input VAT is credited only on invoices for real purchases);
  税收征收管理法 第六十三条 (false entries to evade tax)
sources: [tax_vat_invoices]
identity: [members]
entities: {members: Enterprise, invoices: Invoice}
office: [members]
amount: amount
tax_at_risk: tax_at_risk
params: {tolerance: 0.04, window: 10 days}
version: 3
*/
// The rings of three and four firms share their first three invoices: a→b (i1), b→c (i2) and
// c→d (i3), each step keeping only invoices close to the earlier ones in amount and date and
// closed off by WITH, so the ring grows from a few candidate chains instead of every path of
// the graph. The buyer d of i3 either is a (a ring of three, closed by i1 itself) or a fourth
// firm whose own invoice i4 goes back to a. Closing from d's invoices, filtered, and then
// their buyer avoids matching (a)-[:RECEIVED]->(i)<-[:ISSUED]-(d) with both firms bound, which
// Ladybug joined against every invoice. WITH DISTINCT (the rows are distinct anyway) keeps
// Neo4j's planner from merging the steps into hash joins over every invoice. One query instead
// of a UNION of the two sizes; measured against that UNION: 5.4 s against 13.3 s on the large
// region (Ladybug), 9.5 s against 32 s on the medium region (Neo4j). The 0.0 literals keep the
// CASE a float: Ladybug types a CASE by its first branch, and an integer 0 rounded i4's amount.
MATCH (a:Enterprise)-[s1:ISSUED]->(i1:Invoice)<-[b1:RECEIVED]-(b:Enterprise)-[s2:ISSUED]->(i2:Invoice)
WHERE a.uid < b.uid AND s1 <> s2 AND abs(i2.amount - i1.amount) <= $tolerance * (i1.amount + i2.amount)
  AND i2.issued_on <= i1.issued_on + $window AND i1.issued_on <= i2.issued_on + $window
WITH DISTINCT a, b, i1, i2
MATCH (i2)<-[b2:RECEIVED]-(c:Enterprise)-[s3:ISSUED]->(i3:Invoice)
WHERE a.uid < c.uid AND b.uid <> c.uid
  AND abs(i3.amount - i1.amount) <= $tolerance * (i1.amount + i3.amount)
  AND abs(i3.amount - i2.amount) <= $tolerance * (i2.amount + i3.amount)
  AND i3.issued_on <= i1.issued_on + $window AND i1.issued_on <= i3.issued_on + $window
  AND i3.issued_on <= i2.issued_on + $window AND i2.issued_on <= i3.issued_on + $window
WITH DISTINCT a, b, c, i1, i2, i3
MATCH (i3)<-[b3:RECEIVED]-(d:Enterprise)
WHERE d.uid = a.uid OR (a.uid < d.uid AND b.uid <> d.uid AND c.uid <> d.uid)
WITH DISTINCT a, b, c, d, i1, i2, i3
MATCH (d)-[s4:ISSUED]->(i4:Invoice)<-[b4:RECEIVED]-(buyer:Enterprise)
WHERE (d.uid = a.uid AND i4.invoice_no = i1.invoice_no)
   OR (d.uid <> a.uid AND buyer.uid = a.uid
       AND abs(i4.amount - i1.amount) <= $tolerance * (i1.amount + i4.amount)
       AND abs(i4.amount - i2.amount) <= $tolerance * (i2.amount + i4.amount)
       AND abs(i4.amount - i3.amount) <= $tolerance * (i3.amount + i4.amount)
       AND i4.issued_on <= i1.issued_on + $window AND i1.issued_on <= i4.issued_on + $window
       AND i4.issued_on <= i2.issued_on + $window AND i2.issued_on <= i4.issued_on + $window
       AND i4.issued_on <= i3.issued_on + $window AND i3.issued_on <= i4.issued_on + $window)
WITH a, b, c, d, i1, i2, i3, i4, d.uid = a.uid AS triangle
RETURN a.uid AS first_member,
       CASE WHEN triangle THEN [a.uid, b.uid, c.uid] ELSE [a.uid, b.uid, c.uid, d.uid] END AS members,
       CASE WHEN triangle THEN [i1.invoice_no, i2.invoice_no, i3.invoice_no]
            ELSE [i1.invoice_no, i2.invoice_no, i3.invoice_no, i4.invoice_no] END AS invoices,
       CASE WHEN triangle THEN 3 ELSE 4 END AS size,
       CASE WHEN triangle THEN [i1.issued_on, i2.issued_on, i3.issued_on]
            ELSE [i1.issued_on, i2.issued_on, i3.issued_on, i4.issued_on] END AS issued,
       i1.amount + i2.amount + i3.amount + CASE WHEN triangle THEN 0.0 ELSE i4.amount END AS amount,
       coalesce(i1.tax, 0) + coalesce(i2.tax, 0) + coalesce(i3.tax, 0)
         + CASE WHEN triangle THEN 0.0 ELSE coalesce(i4.tax, 0.0) END AS tax_at_risk
