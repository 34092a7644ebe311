/*
id: lease-without-rental-tax
title: Registered house lease with no rental income declared
title_zh: 已登记备案的房屋租赁未申报租金收入纳税
pack: declared-vs-observed
severity: medium
tax: [individual_income_tax, property_tax]
description: >
  A house lease registered with housing (房屋租赁登记备案) and not cancelled, started at least
  the grace period ago, for which neither individual income tax on rent (property_lease) nor
  property tax on rent (rent_based) was declared: no such return is about the lease (whoever
  filed it); none by the lessor is about the house (the same node, whichever identifier cited
  it, or the same address where two departments' address-only citations stay apart), or names the
  lease's lessee for a period within the lease term, or names no object at all for a period
  within the term; and no such return by the lessee as withholding agent names the lessor for
  a period within the term. The tax at risk is a year's rent at the combined rate.
  The grace period is judged at as_of, the latest day the property tax returns delivered reach, not
  the day the rule runs: a return due later may be in a delivery not yet made.
description_zh: >
  经住房城乡建设部门登记备案且未注销的房屋租赁，起租已满宽限期，既未申报财产租赁所得个人所得税，
  也未申报从租计征的房产税：没有关于该租赁的申报（不论由谁申报）；出租人没有关于该房屋的申报（同一
  不动产，不论以哪个编号引用；两个部门只凭地址引用而未归并的，按同一地址认定），
  没有注明该承租人、所属期在租期内的申报，也没有不注明征税对象、所属期在租期内的申报；
  承租人作为扣缴义务人也没有注明该出租人、所属期在租期内的扣缴申报。风险税额为一年租金按两税合计税
  率计算的税额。
  宽限期按 as_of（已交付的房产税申报所及的最晚日期）判断，而非规则运行之日：此后到期的申报可能尚在未交付的数据中。
basis: >
  个人所得税法 第二条（八）(财产租赁所得 is taxable), 第三条（三）(20 %), 第六条（四）(less 800 元 or
  20 % a month), 第九条 (a payer withholds); 房产税暂行条例 第二条, 第三条 (a leased house pays 12 % of
  the rent); 财税〔2008〕24号 第二条 (an individual's housing rent: IIT 10 %, property tax 4 %)
sources: [housing_leases, tax_filings]
identity: [contract]
entities: {contract: Contract, lessor: Party}
office: [region_code, lessor]
amount: yearly_rent
tax_at_risk: tax_at_risk
params: {grace: 90 days, as_of: latest_filing.property_tax, rental_rate: 0.1}
version: 3
*/
MATCH (lessor)-[p:PARTY_TO {role: 'lessor'}]->(c:Contract {kind: 'lease'})
WHERE coalesce(c.status, 'active') <> 'cancelled' AND c.start_on + $grace <= $as_of
  AND NOT EXISTS {
    MATCH (c)<-[r0:CONCERNS]-(t:TaxFiling)
    WHERE (t.tax_type = 'individual_income_tax' AND t.tax_item = 'property_lease')
       OR (t.tax_type = 'property_tax' AND t.tax_item = 'rent_based') }
  AND NOT EXISTS {
    MATCH (lessor)-[f:FILED]->(t:TaxFiling)
    WHERE ((t.tax_type = 'individual_income_tax' AND t.tax_item = 'property_lease')
           OR (t.tax_type = 'property_tax' AND t.tax_item = 'rent_based'))
      AND (EXISTS {
             MATCH (t)-[r2:CONCERNS]->(house:Property)
             WHERE EXISTS { MATCH (c)-[r3:CONCERNS]->(let:Property) WHERE let.uid = house.uid OR let.address = house.address } }
           OR (t.period_start <= coalesce(c.end_on, $as_of) AND coalesce(t.period_end, t.period_start) >= c.start_on
               AND (EXISTS { MATCH (t)-[r4:CONCERNS]->(tenant)-[q:PARTY_TO {role: 'lessee'}]->(c) }
                    OR (NOT (t)-[:CONCERNS]->(:Contract) AND NOT (t)-[:CONCERNS]->(:Property)
                        AND NOT (t)-[:CONCERNS]->(:Enterprise) AND NOT (t)-[:CONCERNS]->(:Person))))) }
  AND NOT EXISTS {
    MATCH (lessor)<-[r5:CONCERNS]-(t:TaxFiling {tax_type: 'individual_income_tax', tax_item: 'property_lease'})<-[f:FILED]-(tenant)-[q:PARTY_TO {role: 'lessee'}]->(c)
    WHERE t.period_start <= coalesce(c.end_on, $as_of) AND coalesce(t.period_end, t.period_start) >= c.start_on }
RETURN c.uid AS contract, c.contract_no AS lease, lessor.uid AS lessor, lessor.name AS lessor_name,
       c.region_code AS region_code, c.start_on AS start_on, c.end_on AS end_on, c.amount AS monthly_rent,
       c.amount * 12 AS yearly_rent, c.amount * 12 * $rental_rate AS tax_at_risk
