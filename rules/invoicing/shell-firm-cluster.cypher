/*
id: shell-firm-cluster
title: Cluster of shell firms on one address, phone or legal representative
title_zh: 同一地址、电话或法定代表人下的空壳企业群
pack: invoicing
severity: high
tax: [vat]
description: >
  At least min_firms enterprises share one registered address, one phone number or one legal
  representative, and each of them issues invoices while paying social insurance for nobody
  and using no electricity: firms that sell without staff or premises are invoice mills. An
  incubator address, a bookkeeping agent's phone or a group owner's real subsidiaries are not
  flagged: those firms have staff and premises.
description_zh: >
  至少 min_firms 户企业共用同一注册地址、同一电话号码或同一法定代表人，
  且每户都在开具发票，却不为任何人缴纳社会保险、也没有用电：无员工、无经营场所而有销售的企业，
  即虚开发票的“开票公司”。孵化器地址、代理记账机构电话或集团真实子公司下的企业有员工和经营场所，
  不予标记。
basis: >
  发票管理办法 第二十二条 (虚开: invoices for business not actually done), 第二十一条; 税收征收管理法
  第六十三条; 国家税务总局公告2016年第76号 (走逃（失联）企业: invoicing firms that cannot be found at
  their premises)
sources: [amr_enterprise_register, tax_registrations, tax_vat_invoices, hrss_social_insurance, power_electricity]
identity: [link_kind, link]
entities: {firms: Enterprise}
office: [firms]
amount: amount
tax_at_risk: tax_at_risk
params: {min_firms: 4}
version: 2
*/
MATCH (e:Enterprise)-[l:LOCATED_AT]->(a:Address)
WHERE NOT (e)-[:EMPLOYS]->(:Person) AND NOT (e)-[:USED]->(:UtilityUsage)
MATCH (e)-[s:ISSUED]->(i:Invoice)
WITH a.text AS link, e, coalesce(sum(i.amount), 0) AS sales, coalesce(sum(i.tax), 0) AS vat, count(i) AS invoices
WITH link, collect(e.uid) AS firms, count(e) AS firm_count, coalesce(sum(sales), 0) AS amount,
     coalesce(sum(vat), 0) AS vat, coalesce(sum(invoices), 0) AS invoices
WHERE firm_count >= $min_firms
RETURN 'address' AS link_kind, link, firms, firm_count, invoices, amount, vat AS tax_at_risk
UNION ALL
MATCH (e:Enterprise)-[h:HAS_PHONE]->(p:Phone)
WHERE NOT (e)-[:EMPLOYS]->(:Person) AND NOT (e)-[:USED]->(:UtilityUsage)
MATCH (e)-[s:ISSUED]->(i:Invoice)
WITH p.number AS link, e, coalesce(sum(i.amount), 0) AS sales, coalesce(sum(i.tax), 0) AS vat, count(i) AS invoices
WITH link, collect(e.uid) AS firms, count(e) AS firm_count, coalesce(sum(sales), 0) AS amount,
     coalesce(sum(vat), 0) AS vat, coalesce(sum(invoices), 0) AS invoices
WHERE firm_count >= $min_firms
RETURN 'phone' AS link_kind, link, firms, firm_count, invoices, amount, vat AS tax_at_risk
UNION ALL
MATCH (r:Person)-[l:LEGAL_REP_OF]->(e:Enterprise)
WHERE NOT (e)-[:EMPLOYS]->(:Person) AND NOT (e)-[:USED]->(:UtilityUsage)
MATCH (e)-[s:ISSUED]->(i:Invoice)
WITH r.uid AS link, e, coalesce(sum(i.amount), 0) AS sales, coalesce(sum(i.tax), 0) AS vat, count(i) AS invoices
WITH link, collect(e.uid) AS firms, count(e) AS firm_count, coalesce(sum(sales), 0) AS amount,
     coalesce(sum(vat), 0) AS vat, coalesce(sum(invoices), 0) AS invoices
WHERE firm_count >= $min_firms
RETURN 'legal_rep' AS link_kind, link, firms, firm_count, invoices, amount, vat AS tax_at_risk
