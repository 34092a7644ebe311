/*
id: electricity-revenue-mismatch
title: Electricity use out of line with declared sales
pack: declared-vs-observed
severity: medium
tax: [vat, enterprise_income_tax]
description: >
  A registered taxpayer's VAT sales for the period are below min_share of what its metered
  electricity implies at its industry's norm (元 of sales per kWh; energy-intensive industries
  such as smelting have low norms). Consumption that large with sales that small points to
  sales kept off the books.
basis: >
  增值税暂行条例 第一条, 第二条 (VAT on sales of goods, 13 %), 第十九条 (due on the sale);
  企业所得税法 第一条, 第五条 (income tax on income); 税收征收管理法 第三十五条（六）(a tax base
  declared markedly low without good reason is assessed by the tax authority)
sources: [power_electricity, tax_filings, amr_enterprise_register, tax_registrations]
identity: [enterprise, from_month, to_month]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: undeclared_sales
tax_at_risk: tax_at_risk
params:
  min_share: 0.3
  vat_rate: 0.13
  from_month: '2023-01'
  to_month: '2023-12'
  from_date: 2023-01-01
  to_date: 2023-12-31
  norms:
    - {industry: 批发和零售业, yuan_per_kwh: 180.0}
    - {industry: 制造业, yuan_per_kwh: 14.0}
    - {industry: 黑色金属冶炼和压延加工业, yuan_per_kwh: 1.6}
    - {industry: 建筑业, yuan_per_kwh: 130.0}
    - {industry: 交通运输、仓储和邮政业, yuan_per_kwh: 110.0}
    - {industry: 农、林、牧、渔业, yuan_per_kwh: 35.0}
    - {industry: 食品制造业, yuan_per_kwh: 22.0}
    - {industry: 信息传输、软件和信息技术服务业, yuan_per_kwh: 220.0}
    - {industry: 房地产业, yuan_per_kwh: 300.0}
    - {industry: 住宿和餐饮业, yuan_per_kwh: 28.0}
    - {industry: 租赁和商务服务业, yuan_per_kwh: 260.0}
version: 1
*/
MATCH (e:Enterprise)-[u:USED]->(m:UtilityUsage)
WHERE m.period >= $from_month AND m.period <= $to_month AND (e)-[:REGISTERED_WITH]->(:TaxRegistration)
WITH e, coalesce(sum(m.kwh), 0) AS kwh
UNWIND $norms AS norm
WITH e, kwh, norm
WHERE norm.industry = e.industry AND kwh > 0
OPTIONAL MATCH (e)-[f:FILED]->(t:TaxFiling {tax_type: 'vat'})
WHERE t.period_start >= $from_date AND t.period_start <= $to_date
WITH e, kwh, norm.yuan_per_kwh AS norm_yuan_per_kwh, coalesce(sum(t.declared_base), 0) AS sales
WHERE sales < $min_share * kwh * norm_yuan_per_kwh
RETURN e.uid AS enterprise, e.name AS name, e.industry AS industry, $from_month AS from_month, $to_month AS to_month,
       kwh, norm_yuan_per_kwh, kwh * norm_yuan_per_kwh AS implied_sales, sales AS declared_sales,
       sales / (kwh * norm_yuan_per_kwh) AS share, kwh * norm_yuan_per_kwh - sales AS undeclared_sales,
       (kwh * norm_yuan_per_kwh - sales) * $vat_rate AS tax_at_risk
