/*
id: procurement-without-invoice
title: Government procurement paid with no invoice from the vendor
title_zh: 政府采购已支付而供应商未开具发票
pack: declared-vs-observed
severity: medium
tax: [vat]
description: >
  The treasury paid a registered vendor for a procurement contract (财政 政府采购支付) and no VAT
  invoice covers it: the vendor issued none to the paying unit from `before` ahead of the
  payment to `after` it, and the unit received none in that window for exactly the amount paid
  (VAT included, to amount_tolerance 元: an invoice issued under a name the registers spell
  otherwise still covers the payment), once the window has closed. Sales without invoices are
  sales kept off VAT.
description_zh: >
  财政部门就政府采购合同向已办理税务登记的供应商支付了款项，却没有增值税发票与之对应：
  付款前 before 至付款后 after 期间，供应商未向付款单位开具发票，
  付款单位在此期间也未取得金额与付款额一致（含税，差额在 amount_tolerance 元以内；
  登记名称写法不同的开票方开具的发票同样视为对应）的发票，且该期间已经届满。
  有收款而无发票的销售，即未申报增值税的销售。
basis: >
  发票管理办法 第十九条 (whoever sells goods or services and receives payment issues an invoice to
  the payer), 第二十二条; 增值税暂行条例 第一条 (VAT on sales), 第十九条 (due when the payment is
  received)
sources: [finance_procurement_payments, tax_vat_invoices, tax_registrations]
identity: [vendor, unit]
entities: {vendor: Enterprise, unit: Enterprise, contracts: Contract}
office: [vendor]
amount: paid
tax_at_risk: tax_at_risk
params: {before: 60 days, after: 90 days, amount_tolerance: 1.0, vat_rate: 0.13, as_of: today}
version: 2
*/
MATCH (unit:Enterprise)-[p1:PARTY_TO {role: 'purchaser'}]->(c:Contract {kind: 'procurement'})<-[p2:PARTY_TO {role: 'vendor'}]-(vendor:Enterprise)
WHERE p1 <> p2 AND c.paid_on + $after <= $as_of AND (vendor)-[:REGISTERED_WITH]->(:TaxRegistration)
  AND NOT EXISTS {
    MATCH (vendor)-[s:ISSUED]->(i:Invoice)<-[r:RECEIVED]-(unit)
    WHERE i.issued_on >= c.paid_on - $before AND i.issued_on <= c.paid_on + $after }
  AND NOT EXISTS {
    MATCH (unit)-[r2:RECEIVED]->(j:Invoice)
    WHERE j.issued_on >= c.paid_on - $before AND j.issued_on <= c.paid_on + $after
      AND abs(j.amount + coalesce(j.tax, 0) - c.amount) <= $amount_tolerance }
WITH vendor, unit, collect(c.uid) AS contracts, collect(c.reference) AS payments, count(*) AS payment_count,
     coalesce(sum(c.amount), 0) AS paid
RETURN vendor.uid AS vendor, vendor.name AS vendor_name, unit.uid AS unit, unit.name AS unit_name, contracts, payments,
       payment_count, paid, paid * $vat_rate / (1 + $vat_rate) AS tax_at_risk
