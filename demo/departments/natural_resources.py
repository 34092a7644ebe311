"""自然资源厅: land-use-right grant contracts and the real-estate register."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "natural_resources"
COMMON = dict(encoding="gbk", line_terminator="\r\n", date_style="slash")


def land_rows(world):
    for c in sorted(world.land_contracts, key=lambda c: (c.signed, c.supervision_no)):
        name, code = party(world, c.buyer)
        yield record(world, (c.supervision_no, c.contract_no, c.project, c.county, c.location, c.use, c.hectares,
                             c.years, c.method, name, code, c.price, c.signed), (("buyer", c.buyer),), c.protected)


def register_rows(world):
    for r in sorted(world.properties, key=lambda r: (r.date, r.business_no)):
        owner_name, owner = party(world, r.owner)
        seller_name, seller = party(world, r.seller)
        yield record(world, (r.business_no, r.kind, r.reason, r.unit_no, r.cert_no, r.location, r.county, r.use,
                             r.area, owner_name, owner, seller_name, seller, r.price, r.contract_no, r.date),
                     (("owner", r.owner), ("seller", r.seller)), r.protected)


DEPARTMENT = Department(FOLDER, "宁夏回族自治区自然资源厅", (
    FileSpec(FOLDER, "国有建设用地使用权出让合同.csv", "国有建设用地使用权出让合同",
             "Grants of state-owned construction land use rights (招拍挂).",
             (Column("电子监管号", "national land supervision number", "code"),
              Column("合同编号", "contract number, as the deed tax declaration quotes it", "code"),
              Column("项目名称", "project"), Column("行政区代码", "county", "code"),
              Column("宗地坐落", "parcel location", "address"), Column("土地用途", "use"),
              Column("出让面积(公顷)", "area in hectares", "number"), Column("出让年限", "years", "integer"),
              Column("供地方式", "挂牌出让 / 拍卖出让 / 招标出让"), Column("受让人", "buyer", "name"),
              Column("受让人统一社会信用代码", "buyer's credit code", "credit_code"),
              Column("成交价款(万元)", "price", "wan"), Column("签订日期", "signing date", "date")),
             (Role("buyer", "enterprise", "受让人", "受让人统一社会信用代码"),), land_rows,
             mess={"id_missing": 0.08, "name_variant": 0.05, "duplicate": 1, "impossible_date": 1}, **COMMON),
    FileSpec(FOLDER, "不动产登记簿.csv", "不动产登记簿",
             "Real-estate registrations since 2020: 首次登记 of new units, 转移登记 by sale, court ruling or inheritance.",
             (Column("业务号", "registration business number", "code"), Column("登记类型", "首次登记 / 转移登记"),
              Column("登记原因", "新建 / 买卖 / 司法裁定 / 继承"), Column("不动产单元号", "28-character unit number", "code"),
              Column("不动产权证书号", "certificate issued by this registration", "code"),
              Column("坐落", "location", "address"), Column("行政区代码", "county", "code"), Column("用途", "use"),
              Column("面积(平方米)", "floor area", "number"), Column("权利人", "new owner", "name"),
              Column("权利人证件号码", "owner's ID number or credit code", "id_code"),
              Column("义务人", "previous owner", "name"), Column("义务人证件号码", "previous owner's ID", "id_code"),
              Column("交易价格(元)", "registered price (empty when none)", "yuan"),
              Column("合同编号", "online sale contract (网签) number", "code"), Column("登记日期", "date", "date")),
             (Role("owner", "any", "权利人", "权利人证件号码"), Role("seller", "any", "义务人", "义务人证件号码")),
             register_rows, mess={"id_mistyped": 0.03, "id_missing": 0.03, "fullwidth": 0.02, "duplicate": 0.003,
                                  "impossible_date": 1, "negative_amount": 1}, **COMMON),
))
