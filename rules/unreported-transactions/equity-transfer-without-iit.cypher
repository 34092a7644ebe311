/*
id: equity-transfer-without-iit
title: Equity transfer by a person with no individual income tax declared
pack: unreported-transactions
severity: high
tax: [individual_income_tax]
description: >
  A natural person transferred shares of an enterprise for a price (市场监管 股权变更登记) and
  filed no individual income tax return for property transfer income (财产转让所得(股权转让))
  whose tax period covers the day of the transfer, other than one naming another enterprise
  (关联纳税人识别号), once the grace period has passed. A return for an earlier transfer of the
  same shares does not clear a later one. The tax at risk is an upper bound: the price times
  the rate, as the acquisition cost is not in the data.
basis: >
  个人所得税法 第二条（八）(财产转让所得 is taxable), 第三条（三）(rate 20 %), 第六条（五）(taxable
  income = proceeds − 财产原值 − 合理费用), 第九条 (the payer withholds); 国家税务总局公告2014年
  第67号《股权转让所得个人所得税管理办法（试行）》第四条 (taxable income = 转让收入 − 股权原值 −
  合理费用), 第五条 (the transferor is the taxpayer, the transferee withholds), 第十五条 (股权原值:
  the price paid or the capital contributed), 第二十条 (declared by the 15th of the month after the
  registration change)
sources: [amr_equity_transfers, tax_filings]
identity: [contract]
entities: {contract: Contract, transferor: Person, target: Enterprise}
office: [target, transferor]
amount: price
tax_at_risk: tax_at_risk
params: {iit_rate: 0.2, tax_item: equity_transfer, grace: 90 days, as_of: today}
version: 1
*/
MATCH (transferor:Person)-[p1:PARTY_TO {role: 'transferor'}]->(c:Contract {kind: 'equity_transfer'})
MATCH (target:Enterprise)-[p2:PARTY_TO {role: 'target'}]->(c)
WHERE c.amount > 0 AND c.signed_on + $grace <= $as_of
  AND NOT EXISTS {
    MATCH (transferor)-[f:FILED]->(t:TaxFiling {tax_item: $tax_item})
    WHERE t.period_start <= c.signed_on AND coalesce(t.period_end, t.period_start) >= c.signed_on
      AND NOT EXISTS { MATCH (t)-[r:CONCERNS]->(other:Enterprise) WHERE other.uid <> target.uid } }
OPTIONAL MATCH (transferee)-[p3:PARTY_TO {role: 'transferee'}]->(c)
RETURN c.uid AS contract, transferor.uid AS transferor, transferor.name AS transferor_name,
       target.uid AS target, target.name AS target_name, transferee.uid AS transferee,
       c.signed_on AS transferred_on, c.ratio AS share, c.amount AS price, c.amount * $iit_rate AS tax_at_risk
