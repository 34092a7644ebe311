/*
id: electricity-revenue-mismatch
title: Electricity use out of line with declared sales, against industry peers
title_zh: 用电量与申报销售额明显背离（同行业比对）
pack: declared-vs-observed
severity: medium
tax: [vat, enterprise_income_tax]
description: >
  A registered taxpayer, neither deregistered nor abnormal by the end of the window, used
  more than outlier_factor times the kWh per yuan of declared VAT sales that is the median
  of its industry's peers (Enterprise.industry as the register gives it; the peers are the
  firms of that industry with electricity and declared sales in the window, at least
  min_peers of them, else the industry is not judged). Energy-intensive industries such as
  smelting use many kWh per yuan: each firm is compared with its own industry, never with a
  fixed table. Consumption that large against sales that small points to sales kept off the
  books; the undeclared sales are what the peers' median intensity implies less what was
  declared. A small-scale taxpayer (its VAT returns are for small-scale sales) whose implied
  sales stay within the exemption (small_scale_exempt_sales: 100,000 元 a month over the
  default year-long window) owes no VAT on them and is not flagged; above it, its rate is
  small_scale_rate.
description_zh: >
  已办理税务登记、至期末既未注销也未被认定为非正常户的纳税人，期内每元增值税申报销售额的用电量超过
  本行业可比企业中位数的 outlier_factor 倍（行业按市场主体登记所载；
  可比企业为本行业期内既有用电又有申报销售额的企业，不少于 min_peers 户，
  不足的行业不予比对）。冶炼等高耗能行业每元销售额耗电本就较多，故只与本行业比较，
  不用固定标准。用电量如此之大而申报销售额如此之小，提示存在账外销售；少申报的销售额为按行业中位用
  电强度推算的销售额减去已申报销售额。小规模纳税人（其增值税申报为小规模销售）
  推算的销售额未超过免征额（small_scale_exempt_sales：
  全年默认检查期按每月 10 万元计）的，免征增值税，不予标记；超过的按征收率 small_scale_rate 计
  算。
basis: >
  增值税暂行条例 第一条, 第二条 (VAT on sales of goods, 13 %), 第十二条 (small-scale taxpayers, 3 %),
  第十九条 (due on the sale); 财政部 税务总局公告2023年第19号 第一条 (small-scale sales of 100,000 元 a
  month or less are exempt);
  企业所得税法 第一条, 第五条 (income tax on income); 税收征收管理法 第三十五条（六）(a tax base
  declared markedly low without good reason is assessed by the tax authority)
sources: [power_electricity, tax_filings, amr_enterprise_register, tax_registrations]
identity: [enterprise, from_month, to_month]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: undeclared_sales
tax_at_risk: tax_at_risk
params: {outlier_factor: 3.0, min_peers: 5, vat_rate: 0.13, small_scale_rate: 0.03, small_scale_exempt_sales: 1200000.0,
         from_month: latest_full_year.first_month, to_month: latest_full_year.last_month,
         from_date: latest_full_year.start, to_date: latest_full_year.end}
version: 2
*/
// The peers' median is taken with percentileCont, which both engines compute the same way
// (linear interpolation); each industry's firms are carried as a list to be compared with it.
MATCH (e:Enterprise)-[u:USED]->(m:UtilityUsage)
WHERE m.period >= $from_month AND m.period <= $to_month AND e.industry IS NOT NULL
  AND EXISTS { MATCH (e)-[g:REGISTERED_WITH]->(reg:TaxRegistration) }
  AND NOT EXISTS {
    MATCH (e)-[g2:REGISTERED_WITH]->(gone:TaxRegistration)
    WHERE gone.status IN ['deregistered', 'abnormal'] AND coalesce(gone.status_changed_on, $from_date) <= $to_date
      AND coalesce(gone.taxpayer_kind, 'unit') <> 'cross_region_project' }
WITH e, coalesce(sum(m.kwh), 0) AS kwh
WHERE kwh > 0
OPTIONAL MATCH (e)-[f:FILED]->(t:TaxFiling {tax_type: 'vat'})
WHERE t.period_start >= $from_date AND t.period_start <= $to_date
WITH e, kwh, coalesce(sum(t.declared_base), 0.0) AS sales,
     max(CASE WHEN t.tax_item = 'goods_small_scale' THEN 1 ELSE 0 END) AS small_scale
WITH e.industry AS industry, collect({uid: e.uid, name: e.name, kwh: kwh, sales: sales, small_scale: small_scale}) AS firms,
     percentileCont(CASE WHEN sales > 0 THEN kwh / sales END, 0.5) AS peer_kwh_per_yuan,
     count(CASE WHEN sales > 0 THEN 1 END) AS peers
WHERE peers >= $min_peers AND peer_kwh_per_yuan > 0
UNWIND firms AS firm
WITH industry, firm, peers, peer_kwh_per_yuan
WHERE firm.kwh > $outlier_factor * peer_kwh_per_yuan * firm.sales
  AND NOT (firm.small_scale = 1 AND firm.kwh / peer_kwh_per_yuan <= $small_scale_exempt_sales)
WITH industry, firm, peers, peer_kwh_per_yuan,
     CASE WHEN firm.small_scale = 1 THEN $small_scale_rate ELSE $vat_rate END AS rate
RETURN firm.uid AS enterprise, firm.name AS name, industry, $from_month AS from_month, $to_month AS to_month,
       firm.kwh AS kwh, firm.sales AS declared_sales, peers, peer_kwh_per_yuan,
       CASE WHEN firm.sales > 0 THEN firm.kwh / firm.sales / peer_kwh_per_yuan END AS times_peer_median,
       firm.kwh / peer_kwh_per_yuan AS implied_sales, firm.kwh / peer_kwh_per_yuan - firm.sales AS undeclared_sales,
       firm.small_scale = 1 AS small_scale, rate, (firm.kwh / peer_kwh_per_yuan - firm.sales) * rate AS tax_at_risk
