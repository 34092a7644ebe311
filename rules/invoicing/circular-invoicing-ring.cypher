/*
id: circular-invoicing-ring
title: Circular invoicing ring of three or four firms
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
sources: [tax_vat_invoices]
identity: [members]
entities: {members: Enterprise, invoices: Invoice}
office: [members]
amount: amount
tax_at_risk: tax_at_risk
params: {tolerance: 0.04, window: 10 days}
version: 1
*/
// Each step keeps only invoices close to the earlier ones in amount and date and is closed off
// by WITH, so the ring grows from a few candidate pairs instead of every path of the graph.
MATCH (a:Enterprise)-[s1:ISSUED]->(i1:Invoice)<-[b1:RECEIVED]-(b:Enterprise)-[s2:ISSUED]->(i2:Invoice)
WHERE a.uid < b.uid AND s1 <> s2 AND abs(i2.amount - i1.amount) <= $tolerance * (i1.amount + i2.amount)
  AND i2.issued_on <= i1.issued_on + $window AND i1.issued_on <= i2.issued_on + $window
WITH a, b, i1, i2
MATCH (i2)<-[b2:RECEIVED]-(c:Enterprise)
WHERE a.uid < c.uid AND b.uid <> c.uid
WITH a, b, c, i1, i2
MATCH (a)-[b3:RECEIVED]->(i3:Invoice)<-[s3:ISSUED]-(c)
WHERE abs(i3.amount - i1.amount) <= $tolerance * (i1.amount + i3.amount)
  AND abs(i3.amount - i2.amount) <= $tolerance * (i2.amount + i3.amount)
  AND i3.issued_on <= i1.issued_on + $window AND i1.issued_on <= i3.issued_on + $window
  AND i3.issued_on <= i2.issued_on + $window AND i2.issued_on <= i3.issued_on + $window
RETURN a.uid AS first_member, [a.uid, b.uid, c.uid] AS members, [i1.invoice_no, i2.invoice_no, i3.invoice_no] AS invoices,
       3 AS size, [i1.issued_on, i2.issued_on, i3.issued_on] AS issued, i1.amount + i2.amount + i3.amount AS amount,
       coalesce(i1.tax, 0) + coalesce(i2.tax, 0) + coalesce(i3.tax, 0) AS tax_at_risk
UNION ALL
MATCH (a:Enterprise)-[s1:ISSUED]->(i1:Invoice)<-[b1:RECEIVED]-(b:Enterprise)-[s2:ISSUED]->(i2:Invoice)
WHERE a.uid < b.uid AND s1 <> s2 AND abs(i2.amount - i1.amount) <= $tolerance * (i1.amount + i2.amount)
  AND i2.issued_on <= i1.issued_on + $window AND i1.issued_on <= i2.issued_on + $window
WITH a, b, i1, i2
MATCH (i2)<-[b2:RECEIVED]-(c:Enterprise)-[s3:ISSUED]->(i3:Invoice)
WHERE a.uid < c.uid AND b.uid <> c.uid
  AND abs(i3.amount - i1.amount) <= $tolerance * (i1.amount + i3.amount)
  AND abs(i3.amount - i2.amount) <= $tolerance * (i2.amount + i3.amount)
  AND i3.issued_on <= i1.issued_on + $window AND i1.issued_on <= i3.issued_on + $window
  AND i3.issued_on <= i2.issued_on + $window AND i2.issued_on <= i3.issued_on + $window
WITH a, b, c, i1, i2, i3
MATCH (i3)<-[b3:RECEIVED]-(d:Enterprise)
WHERE a.uid < d.uid AND b.uid <> d.uid AND c.uid <> d.uid
WITH a, b, c, d, i1, i2, i3
MATCH (a)-[b4:RECEIVED]->(i4:Invoice)<-[s4:ISSUED]-(d)
WHERE abs(i4.amount - i1.amount) <= $tolerance * (i1.amount + i4.amount)
  AND abs(i4.amount - i2.amount) <= $tolerance * (i2.amount + i4.amount)
  AND abs(i4.amount - i3.amount) <= $tolerance * (i3.amount + i4.amount)
  AND i4.issued_on <= i1.issued_on + $window AND i1.issued_on <= i4.issued_on + $window
  AND i4.issued_on <= i2.issued_on + $window AND i2.issued_on <= i4.issued_on + $window
  AND i4.issued_on <= i3.issued_on + $window AND i3.issued_on <= i4.issued_on + $window
RETURN a.uid AS first_member, [a.uid, b.uid, c.uid, d.uid] AS members,
       [i1.invoice_no, i2.invoice_no, i3.invoice_no, i4.invoice_no] AS invoices, 4 AS size,
       [i1.issued_on, i2.issued_on, i3.issued_on, i4.issued_on] AS issued,
       i1.amount + i2.amount + i3.amount + i4.amount AS amount,
       coalesce(i1.tax, 0) + coalesce(i2.tax, 0) + coalesce(i3.tax, 0) + coalesce(i4.tax, 0) AS tax_at_risk
