/*
id: cross-region-contractor-unregistered
title: Contractor from outside the region building here with no local tax registration
title_zh: 外地建筑企业在本地施工未办理涉税事项
pack: missing-registration
severity: high
tax: [vat, enterprise_income_tax]
description: >
  A construction contractor that is not in the region's enterprise register (it comes from
  another province) builds under local construction permits, yet the tax office knows
  nothing of it: it holds no tax registration in the region of any kind (its own, a
  cross-region project report, 跨区域涉税事项报告, whatever number that report cites), no
  local branch registered by a department handles its taxes (a branch link inferred from
  similar names clears nothing), and it filed no VAT or enterprise income tax return here.
  VAT on construction is prepaid where the site is.
description_zh: >
  不在本地市场主体登记中（来自外省）的建筑施工企业凭本地施工许可证施工，税务机关却对其一无所知：
  在本地没有任何税务登记（包括其自身登记、跨区域涉税事项报告，不论该报告引用何种编号），
  没有经部门登记的本地分支机构代为办理涉税事项（仅凭名称相似推断的分支关系不予认可），
  也未在本地申报增值税或企业所得税。建筑服务的增值税应在项目所在地预缴。
basis: >
  国家税务总局公告2016年第17号《纳税人跨县（市、区）提供建筑服务增值税征收管理暂行办法》第二条,
  第四条 (VAT prepaid where the site is: 2 % of the price, general method), 第五条; 税总发〔2017〕
  103号 第一条 (a taxpayer working outside its home area reports the cross-region activity);
  税收征收管理法实施细则 第二十一条; 国税函〔2010〕156号 (cross-region construction income tax)
sources: [housing_construction_permits, amr_enterprise_register, tax_registrations, tax_filings]
identity: [contractor]
entities: {contractor: Enterprise}
office: [region_code]
amount: contract_value
tax_at_risk: tax_at_risk
params: {prepay_rate: 0.02}
version: 2
*/
// Only the enterprise register sets status: a contractor without one is not a local business.
MATCH (contractor:Enterprise)-[p:PARTY_TO {role: 'contractor'}]->(c:Contract {kind: 'construction'})
WHERE contractor.status IS NULL
  AND NOT (contractor)-[:REGISTERED_WITH]->(:TaxRegistration)
  AND NOT EXISTS {
    MATCH (branch:Enterprise)-[b:BRANCH_OF]->(contractor)
    WHERE b.department IS NOT NULL AND (branch)-[:REGISTERED_WITH]->(:TaxRegistration) }
  AND NOT EXISTS {
    MATCH (contractor)-[f:FILED]->(t:TaxFiling)
    WHERE t.tax_type IN ['vat', 'enterprise_income_tax'] }
WITH contractor, collect(c.reference) AS permits, count(*) AS permit_count, min(c.region_code) AS region_code,
     coalesce(sum(c.amount), 0) AS contract_value
RETURN contractor.uid AS contractor, contractor.name AS name, permits, permit_count, region_code, contract_value,
       contract_value * $prepay_rate AS tax_at_risk
