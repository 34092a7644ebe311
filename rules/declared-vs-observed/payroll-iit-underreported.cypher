/*
id: payroll-iit-underreported
title: Wages declared for withholding far below the social-insurance wage base
title_zh: 扣缴申报的工资薪金远低于社会保险缴费工资
pack: declared-vs-observed
severity: medium
tax: [individual_income_tax]
description: >
  An employer, registered and neither deregistered nor abnormal by the end of the window,
  declared wages in its individual income tax withholding returns (tax item wages) for the
  window below max_ratio of the wages it paid social insurance on for the same months, and
  the taxable part of the wages left undeclared reaches min_undeclared. Only the part of each
  person's monthly wage above the basic deduction (basic_deduction, 5,000 元 a month) is
  taxable: staff earning less owe no tax, so a firm of low wages is not under-reporting
  anything. Several insurances in one month count the person's wage once. Staff earning below
  the minimum contribution base explain a gap of a few tens of per cent, not half.
description_zh: >
  已办理税务登记、至期末既未注销也未被认定为非正常户的扣缴义务人，期内个人所得税扣缴申报（税目为工
  资薪金所得）的工资总额低于同期为职工缴纳社会保险所依据工资的 max_ratio，
  且少申报工资中的应纳税部分达到 min_undeclared。只有每人每月工资超过基本减除费用（basic_deduction，
  每月 5000 元）的部分才需纳税：工资低于此数的不缴税，低工资企业并无少报。
  同一人同月参加多个险种的，工资只计一次。职工工资低于社会保险最低缴费基数可以解释几成的差距，
  不能解释一半。
basis: >
  个人所得税法 第二条（一）(wages are taxable), 第六条（一）(taxable wages: the year's income less
  60,000 元, 5,000 元 a month), 第九条 and 第十一条 (the employer withholds monthly); 个人所得税法
  实施条例 第六条 (wages); 社会保险法 第十二条 (contributions on the wage)
sources: [hrss_social_insurance, tax_filings, tax_registrations]
identity: [enterprise, from_month, to_month]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: undeclared_taxable
tax_at_risk: tax_at_risk
params: {max_ratio: 0.5, min_undeclared: 20000.0, basic_deduction: 5000.0, iit_rate: 0.1,
         from_month: latest_full_year.first_month, to_month: latest_full_year.last_month,
         from_date: latest_full_year.start, to_date: latest_full_year.end}
version: 2
*/
MATCH (e:Enterprise)-[w:EMPLOYS]->(p:Person)
WHERE w.period >= $from_month AND w.period <= $to_month
  AND EXISTS { MATCH (e)-[g:REGISTERED_WITH]->(reg:TaxRegistration) }
  AND NOT EXISTS {
    MATCH (e)-[g2:REGISTERED_WITH]->(gone:TaxRegistration)
    WHERE gone.status IN ['deregistered', 'abnormal'] AND coalesce(gone.status_changed_on, $from_date) <= $to_date
      AND coalesce(gone.taxpayer_kind, 'unit') <> 'cross_region_project' }
WITH e, p, w.period AS month, max(w.wage_base) AS wage
WITH e, count(DISTINCT p) AS staff, coalesce(sum(wage), 0) AS wage_base,
     coalesce(sum(CASE WHEN wage > $basic_deduction THEN wage - $basic_deduction ELSE 0.0 END), 0) AS taxable_base
WHERE wage_base > 0 AND taxable_base > 0
OPTIONAL MATCH (e)-[f:FILED]->(t:TaxFiling {tax_type: 'individual_income_tax', tax_item: 'wages'})
WHERE t.period_start >= $from_date AND t.period_start <= $to_date
WITH e, staff, wage_base, taxable_base, coalesce(sum(t.declared_base), 0) AS declared
WITH e, staff, wage_base, taxable_base, declared, taxable_base * (wage_base - declared) / wage_base AS undeclared_taxable
WHERE declared < $max_ratio * wage_base AND undeclared_taxable >= $min_undeclared
RETURN e.uid AS enterprise, e.name AS name, $from_month AS from_month, $to_month AS to_month, staff, wage_base,
       taxable_base, declared AS declared_wages, declared / wage_base AS ratio, wage_base - declared AS undeclared_wages,
       undeclared_taxable, undeclared_taxable * $iit_rate AS tax_at_risk
