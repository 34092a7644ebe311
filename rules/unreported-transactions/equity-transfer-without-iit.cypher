/*
id: equity-transfer-without-iit
title: Equity transfer at a gain by a person with no individual income tax declared
title_zh: 自然人股权转让有所得未申报个人所得税
pack: unreported-transactions
severity: high
tax: [individual_income_tax]
description: >
  A natural person transferred shares of an enterprise (股权变更登记) for more than they cost,
  and no individual income tax on the transfer was declared once the grace period passed:
  no IIT return is about the transfer, none by the transferor for equity transfer income
  covers the day of the transfer unless it names another enterprise, and none by a withholding
  agent names the transferor for that day. The cost (股权原值) is the price of the
  transferor's own earlier purchase of shares of that enterprise on record (pro rata to the
  share sold), else the cost the transfer record carries (cost_basis: 股权原值 or the capital
  paid in on the share), else the capital the transferor paid in as shareholder
  (SHAREHOLDER_OF.paid_in, pro rata to the share sold); with none known the whole price is
  taken as gain (cost_source unknown), an upper bound. No finding when the price does not
  exceed the cost: there is no income to tax.
  The grace period is judged at as_of, the latest day the individual income tax returns delivered reach, not
  the day the rule runs: a return due later may be in a delivery not yet made.
description_zh: >
  自然人转让企业股权（股权变更登记），转让价格高于股权原值，宽限期满仍未申报股权转让所得个人所得税：
  没有关于该次转让的个人所得税申报；转让人没有所属期涵盖转让日的财产转让所得申报（注明其他企业的除
  外）；扣缴义务人也没有注明该转让人、涵盖该日的扣缴申报。股权原值依次取：
  转让人此前购入该企业股权的价格（按转让份额比例计算），转让记录所载的成本（cost_basis：
  股权原值或该份额的实缴出资），转让人作为股东的实缴出资额（SHAREHOLDER_OF.paid_in，
  按转让份额比例计算）；均无记录的，以全部转让收入作为所得（cost_source 为 unknown），
  为上限估计。转让价格不超过原值的没有应税所得，不予标记。
  宽限期按 as_of（已交付的个人所得税申报所及的最晚日期）判断，而非规则运行之日：此后到期的申报可能尚在未交付的数据中。
basis: >
  个人所得税法 第二条（八）(财产转让所得 is taxable), 第三条（三）(rate 20 %), 第六条（五）(taxable
  income = proceeds − 财产原值 − 合理费用), 第九条 (the payer withholds); 国家税务总局公告2014年
  第67号《股权转让所得个人所得税管理办法（试行）》第四条 (taxable income = 转让收入 − 股权原值 −
  合理费用), 第五条 (the transferor is the taxpayer, the transferee withholds), 第十五条 (股权原值:
  the price paid or the capital contributed), 第二十条 (declared by the 15th of the month after the
  registration change)
sources: [amr_equity_transfers, amr_shareholders, tax_filings]
identity: [contract]
entities: {contract: Contract, transferor: Person, target: Enterprise}
office: [target, transferor]
amount: gain
tax_at_risk: tax_at_risk
params: {iit_rate: 0.2, grace: 90 days, as_of: latest_filing.individual_income_tax}
version: 3
*/
MATCH (transferor:Person)-[p1:PARTY_TO {role: 'transferor'}]->(c:Contract {kind: 'equity_transfer'})<-[p2:PARTY_TO {role: 'target'}]-(target:Enterprise)
WHERE p1 <> p2 AND c.amount > 0 AND c.signed_on + $grace <= $as_of
  AND NOT EXISTS { MATCH (c)<-[r0:CONCERNS]-(t:TaxFiling {tax_type: 'individual_income_tax'}) }
  AND NOT EXISTS {
    MATCH (transferor)-[f:FILED]->(t:TaxFiling {tax_type: 'individual_income_tax', tax_item: 'equity_transfer'})
    WHERE t.period_start <= c.signed_on AND coalesce(t.period_end, t.period_start) >= c.signed_on
      AND NOT EXISTS { MATCH (t)-[r:CONCERNS]->(other:Enterprise) WHERE other.uid <> target.uid } }
  AND NOT EXISTS {
    MATCH (transferor)<-[r1:CONCERNS]-(t:TaxFiling {tax_type: 'individual_income_tax', tax_item: 'equity_transfer'})
    WHERE t.period_start <= c.signed_on AND coalesce(t.period_end, t.period_start) >= c.signed_on }
OPTIONAL MATCH (transferor)-[q1:PARTY_TO {role: 'transferee'}]->(bought:Contract {kind: 'equity_transfer'})<-[q2:PARTY_TO {role: 'target'}]-(target)
WHERE q1 <> q2 AND bought.signed_on < c.signed_on AND bought.ratio > 0 AND bought.amount >= 0
WITH transferor, target, c, max(bought.amount * c.ratio / bought.ratio) AS purchase_cost
OPTIONAL MATCH (transferor)-[h:SHAREHOLDER_OF]->(target)
WHERE h.ratio > 0 AND h.paid_in >= 0
WITH transferor, target, c, purchase_cost, max(h.paid_in * c.ratio / h.ratio) AS capital_cost
WITH transferor, target, c, coalesce(purchase_cost, c.cost_basis, capital_cost) AS cost,
     CASE WHEN purchase_cost IS NOT NULL THEN 'purchase' WHEN c.cost_basis IS NOT NULL THEN 'recorded'
          WHEN capital_cost IS NOT NULL THEN 'paid_in_capital' ELSE 'unknown' END AS cost_source
WHERE c.amount > coalesce(cost, 0.0)
OPTIONAL MATCH (transferee)-[p3:PARTY_TO {role: 'transferee'}]->(c)
RETURN c.uid AS contract, transferor.uid AS transferor, transferor.name AS transferor_name,
       target.uid AS target, target.name AS target_name, transferee.uid AS transferee,
       c.signed_on AS transferred_on, c.ratio AS share, c.amount AS price, cost, cost_source,
       c.amount - coalesce(cost, 0.0) AS gain, (c.amount - coalesce(cost, 0.0)) * $iit_rate AS tax_at_risk
