"""`crossaudit rules new`: a rule file and its test file that pass as they are, to edit.

    new_rule(Path("my-rules"), "dormant-operating-firm", "my-pack")
    # → my-rules/my-pack/dormant-operating-firm.cypher and .test.yaml
"""
from __future__ import annotations

from pathlib import Path

from crossaudit.engine.rules.model import ID_PATTERN, RuleError

RULE_TEMPLATE = """/*
id: {id}
title: TODO one-line title
title_zh: 待填写：规则的中文标题
pack: {pack}
severity: medium
tax: [vat]
description: >
  TODO what the rule finds, from which departments' data, and why it escapes tax.
description_zh: >
  待填写：用税务检查人员的语言说明规则发现什么、依据哪些部门的数据、为何少缴税款。
basis: TODO the law it checks, with article numbers (税收征收管理法 第二十五条)
sources: [amr_enterprise_register]
identity: [enterprise]
entities: {{enterprise: Enterprise}}
office: [enterprise]
amount: amount
tax_at_risk: tax_at_risk
params: {{status: revoked, rate: 0.13}}
version: 1
*/
MATCH (e:Enterprise)
WHERE e.status = $status
RETURN e.uid AS enterprise, e.name AS name, coalesce(e.registered_capital, 0.0) AS amount,
       coalesce(e.registered_capital, 0.0) * $rate AS tax_at_risk
"""

TEST_TEMPLATE = """fixture:
  nodes:
    Enterprise:
      - {uid: E1, name: 甲公司, status: revoked, registered_capital: 100.0}
      - {uid: E2, name: 乙公司, status: operating, registered_capital: 100.0}
cases:
  - name: a matching enterprise is flagged
    expect:
      - {enterprise: E1, tax_at_risk: 13.0}
  - name: a parameter changes what matches
    params: {status: operating}
    expect:
      - {enterprise: E2}
  - name: nothing matches
    params: {status: abnormal}
    expect: []
"""


def new_rule(rules_dir: Path, rule_id: str, pack: str) -> tuple[Path, Path]:
    """Write `<rules_dir>/<pack>/<rule_id>.cypher` and its `.test.yaml`; never overwrites."""
    for what, value in (("rule id", rule_id), ("pack", pack)):
        if not ID_PATTERN.match(value):
            raise RuleError(f"{what} {value!r} must be kebab-case: lower-case letters, digits and hyphens")
    folder = Path(rules_dir) / pack
    rule_path, test_path = folder / f"{rule_id}.cypher", folder / f"{rule_id}.test.yaml"
    for path in (rule_path, test_path):
        if path.exists():
            raise RuleError(f"{path} already exists")
    folder.mkdir(parents=True, exist_ok=True)
    rule_path.write_text(RULE_TEMPLATE.format(id=rule_id, pack=pack), encoding="utf-8")
    test_path.write_text(TEST_TEMPLATE, encoding="utf-8")
    return rule_path, test_path
