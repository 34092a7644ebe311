"""crossaudit.viz: network pages for investigators and case exports for tax inspectors.

    from crossaudit.viz.explore import explore                  # page around a key or a finding
    from crossaudit.viz.export import export_finding, export_findings

    html, doc = explore(store, "石嘴山泰湖实业有限公司", depth=2, cleared=True)
    export_finding(store, "F-b4f2…", "xlsx", Path("case.xlsx"), cleared=False)

Pieces: `lookup` (a key to an entity), `subgraph` (the capped network), `case` (findings, risk,
evidence paths), `document` (the case as one masked document, the JSON export), `page`
(self-contained pages, vis-network inlined), `export` (JSON, GraphML, xlsx, HTML report), `mask`, `vocab`.
"""
