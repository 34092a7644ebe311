/*
id: operating-without-tax-registration
title: Enterprise operating with no tax registration
title_zh: 企业正在经营但未办理税务登记
pack: missing-registration
severity: high
tax: [vat, enterprise_income_tax]
description: >
  An enterprise in business (存续) in the enterprise register shows at least min_signals kinds
  of activity in other departments' data (social insurance for staff, electricity, invoices
  issued or received, permits, contracts) but has no tax registration of any kind in the
  region. Government units (credit codes 11…, 12…) are not businesses and are skipped. The
  purchase invoices it received stand in for its turnover.
description_zh: >
  市场主体登记为存续的企业，在其他部门数据中有至少 min_signals 类经营活动（为职工缴纳
  社会保险、用电、开具或取得发票、许可证、合同），但在本地没有任何税务登记。
  机关事业单位（统一社会信用代码以 11、12 开头）不是经营主体，不予检查。
  以其取得的发票金额代表其营业额。
basis: >
  税收征收管理法 第十五条 (an enterprise registers for tax within 30 days of obtaining its
  business licence), 第六十条 (failing to register is punished); 税收征收管理法实施细则 第十二条;
  GB 32100-2015 (a credit code's first character 1 names an organ registered by 机构编制, not a
  business)
sources: [amr_enterprise_register, tax_registrations, hrss_social_insurance, power_electricity, tax_vat_invoices,
          housing_construction_permits, env_pollutant_permits, transport_road_permits]
identity: [enterprise]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: purchases
tax_at_risk: tax_at_risk
params: {min_signals: 2, vat_rate: 0.03}
version: 2
*/
MATCH (e:Enterprise)
WHERE e.status = 'operating' AND NOT e.credit_code STARTS WITH '11' AND NOT e.credit_code STARTS WITH '12'
  AND NOT (e)-[:REGISTERED_WITH]->(:TaxRegistration)
WITH e,
     CASE WHEN EXISTS { MATCH (e)-[w:EMPLOYS]->(:Person) } THEN 1 ELSE 0 END AS staff,
     CASE WHEN EXISTS { MATCH (e)-[u:USED]->(:UtilityUsage) } THEN 1 ELSE 0 END AS electricity,
     CASE WHEN EXISTS { MATCH (e)-[s:ISSUED]->(:Invoice) } THEN 1 ELSE 0 END AS sales_invoices,
     CASE WHEN EXISTS { MATCH (e)-[b:RECEIVED]->(:Invoice) } THEN 1 ELSE 0 END AS purchase_invoices,
     CASE WHEN EXISTS { MATCH (e)-[h:HOLDS]->(:Permit) } THEN 1 ELSE 0 END AS permits,
     CASE WHEN EXISTS { MATCH (e)-[p:PARTY_TO]->(:Contract) } THEN 1 ELSE 0 END AS contracts
WHERE staff + electricity + sales_invoices + purchase_invoices + permits + contracts >= $min_signals
OPTIONAL MATCH (e)-[b:RECEIVED]->(i:Invoice)
WITH e, staff, electricity, sales_invoices, purchase_invoices, permits, contracts,
     coalesce(sum(i.amount), 0) AS purchases
RETURN e.uid AS enterprise, e.name AS name, e.industry AS industry, staff, electricity, sales_invoices,
       purchase_invoices, permits, contracts, purchases, purchases * $vat_rate AS tax_at_risk
