"""人民法院: judicial auctions of real estate."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "courts"


def auction_rows(world):
    for a in sorted(world.auctions, key=lambda a: (a.date, a.case_no)):
        debtor_name, debtor = party(world, a.debtor)
        buyer_name, buyer = party(world, a.buyer)
        yield record(world, (a.case_no, a.court, f"{a.location}房产", a.unit_no, a.cert_no, a.location, debtor_name,
                             debtor, a.start_price, a.price, buyer_name, buyer, a.date if a.buyer else None,
                             a.status),
                     (("debtor", a.debtor), ("buyer", a.buyer)))


DEPARTMENT = Department(FOLDER, "宁夏回族自治区高级人民法院", (
    FileSpec(FOLDER, "司法拍卖成交.xlsx", "司法拍卖成交",
             "Judicial auctions of real estate: sold (成交) and, without buyer, price or date, unsold (流拍).",
             (Column("案号", "enforcement case number", "code"), Column("执行法院", "court"),
              Column("拍卖标的", "what was sold"), Column("不动产单元号", "property unit", "code"),
              Column("不动产权证书号", "the debtor's certificate", "code"), Column("标的坐落", "location", "address"),
              Column("被执行人", "debtor", "name"), Column("被执行人证件号码", "debtor's ID", "id_code"),
              Column("起拍价(万元)", "starting price", "wan"), Column("成交价(万元)", "hammer price", "wan"),
              Column("买受人", "buyer", "name"), Column("买受人证件号码", "buyer's ID", "id_code"),
              Column("成交日期", "date", "date"), Column("拍卖状态", "成交 / 流拍 (no bid: nothing sold)")),
             (Role("debtor", "any", "被执行人", "被执行人证件号码"), Role("buyer", "any", "买受人", "买受人证件号码")),
             auction_rows, format="xlsx", date_style="chinese", mess={"id_mistyped": 0.05, "duplicate": 1}),
))
