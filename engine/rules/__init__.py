"""crossaudit.engine.rules: rule files, the runner that turns their results into findings, and
the tools rule authors use (tests beside each rule, lint, scaffolding).

    from crossaudit.engine.rules import load_rules, run_rules
    summary = run_rules(store, load_rules(pack="invoicing"))
"""
from crossaudit.engine.rules.cases import CaseResult, run_case_file
from crossaudit.engine.rules.groups import compute_interest_groups
from crossaudit.engine.rules.lint import LintIssue, lint_rules, lint_text
from crossaudit.engine.rules.model import Rule, RuleError, chinese_texts, load_rules, parse_rule, shipped_rules_dir
from crossaudit.engine.rules.runner import RuleOutcome, RunSummary, fingerprint, resolve_params, run_rules
from crossaudit.engine.rules.scaffold import new_rule

__all__ = ["CaseResult", "LintIssue", "Rule", "RuleError", "RuleOutcome", "RunSummary", "chinese_texts",
           "compute_interest_groups", "fingerprint", "lint_rules", "lint_text", "load_rules", "new_rule", "parse_rule", "resolve_params",
           "run_case_file", "run_rules", "shipped_rules_dir"]
