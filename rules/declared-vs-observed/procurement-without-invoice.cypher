/*
id: procurement-without-invoice
title: Government procurement paid with no invoice from the vendor
title_zh: 政府采购已支付而供应商未开具发票
pack: declared-vs-observed
severity: medium
tax: [vat]
description: >
  The treasury paid a registered vendor for a procurement contract (财政 政府采购支付) and no VAT
  invoice covers it: the invoices the vendor issued to the paying unit from `before` ahead of
  the payment to `after` it come, before VAT, to less than the sales the payment holds at
  vat_rate, the highest rate (so an invoice at a lower rate, or one whose tax the source leaves
  out or writes as 0, still covers its payment; an invoice for another, smaller sale does not),
  and no invoice in that window is for exactly the amount paid (VAT included, to
  amount_tolerance 元) from the vendor or to the unit: one issued or received under a name the
  registers spell otherwise still covers the payment, once the window has closed by as_of, the latest day the invoices
  delivered reach (not the day the rule runs: an invoice issued after it may be in a delivery not
  yet made). Sales without invoices are sales kept off VAT; the tax at risk is on the sales the
  invoices leave uncovered.
description_zh: >
  财政部门就政府采购合同向已办理税务登记的供应商支付了款项，却没有增值税发票与之对应：
  付款前 before 至付款后 after 期间，供应商向付款单位开具的发票不含税金额合计少于付款额按最高税率
  vat_rate 折算的销售额（按较低税率开具、或数据未列税额或税额记为 0 的发票仍可覆盖付款；
  为另一笔较小交易开具的发票不能覆盖本次付款），
  此期间也没有供应商开具或付款单位取得的、金额与付款额一致（含税，差额在 amount_tolerance 元以内；
  开票方或受票方名称与登记写法不同的发票同样视为对应）的发票，且该期间在 as_of（已交付的发票所及的最晚日期，
  而非规则运行之日：此后开具的发票可能尚在未交付的数据中）之前已经届满。
  有收款而无发票的销售，即未申报增值税的销售；风险税额按发票未覆盖的销售额计算。
basis: >
  发票管理办法 第十九条 (whoever sells goods or services and receives payment issues an invoice to
  the payer), 第二十二条 (the invoice states the business as it was done, its amount included);
  增值税暂行条例 第一条 (VAT on sales), 第十九条 (due when the payment is received)
sources: [finance_procurement_payments, tax_vat_invoices, tax_registrations]
identity: [vendor, unit]
entities: {vendor: Enterprise, unit: Enterprise, contracts: Contract}
office: [vendor]
amount: paid
tax_at_risk: tax_at_risk
params: {before: 60 days, after: 90 days, amount_tolerance: 1.0, vat_rate: 0.13, as_of: latest_invoice}
version: 5
*/
// A payment is covered by the vendor's invoices to the unit in its window taken together (a sale
// invoiced in parts, each under the per-invoice limit, is covered), not by any one of them: a
// vendor that also sells the unit something small invoices that, and the procurement stays
// uninvoiced (the large region: 425,666 元 invoiced 26 days before payments of 2,566,208 元).
// Amounts before VAT, against the payment's sales at the highest rate: an exempt or low-rate sale,
// or an invoice file that leaves the tax out, still covers its payment. Invoices in the windows
// of two payments count for both, so the uncovered sales never overstate. An invoice for exactly
// the amount paid covers the payment on either side, for a name an invoice file misspells makes
// a node of its own: 吴忠市力通区卫生健康局 received the vendor's invoice for 664,267.35 元 paid
// by 吴忠市利通区卫生健康局 (the longxi small region, seed 23).
MATCH (unit:Enterprise)-[p1:PARTY_TO {role: 'purchaser'}]->(c:Contract {kind: 'procurement'})<-[p2:PARTY_TO {role: 'vendor'}]-(vendor:Enterprise)
WHERE p1 <> p2 AND c.paid_on + $after <= $as_of AND (vendor)-[:REGISTERED_WITH]->(:TaxRegistration)
  AND NOT EXISTS {
    MATCH (unit)-[r2:RECEIVED]->(j:Invoice)
    WHERE j.issued_on >= c.paid_on - $before AND j.issued_on <= c.paid_on + $after
      AND abs(j.amount + coalesce(j.tax, 0) - c.amount) <= $amount_tolerance }
  AND NOT EXISTS {
    MATCH (vendor)-[s2:ISSUED]->(j:Invoice)
    WHERE j.issued_on >= c.paid_on - $before AND j.issued_on <= c.paid_on + $after
      AND abs(j.amount + coalesce(j.tax, 0) - c.amount) <= $amount_tolerance }
OPTIONAL MATCH (vendor)-[s:ISSUED]->(i:Invoice)<-[r:RECEIVED]-(unit)
WHERE i.issued_on >= c.paid_on - $before AND i.issued_on <= c.paid_on + $after
WITH vendor, unit, c, coalesce(sum(i.amount), 0.0) AS invoiced
WHERE invoiced < c.amount / (1 + $vat_rate) - $amount_tolerance
WITH vendor, unit, collect(c.uid) AS contracts, collect(c.reference) AS payments, count(*) AS payment_count,
     coalesce(sum(c.amount), 0) AS paid, coalesce(sum(invoiced), 0) AS invoiced_in_windows,
     coalesce(sum(c.amount / (1 + $vat_rate) - invoiced), 0) AS uncovered_sales
RETURN vendor.uid AS vendor, vendor.name AS vendor_name, unit.uid AS unit, unit.name AS unit_name, contracts, payments,
       payment_count, paid, invoiced_in_windows, uncovered_sales, uncovered_sales * $vat_rate AS tax_at_risk
