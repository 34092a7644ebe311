"""公安厅: the household register and motor vehicles."""
from __future__ import annotations

from crossaudit.loaders.regions import full_name
from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "public_security"
COMMON = dict(encoding="gb18030", date_style="compact")


def resident_rows(world):
    for p in world.persons.values():
        if p.household:
            yield record(world, (p.household, p.id_number, p.name, "男" if p.gender == "M" else "女", p.ethnicity,
                                 p.birth, p.relation, p.address, "64" + p.household[:4]), (("person", p.id_number),))


def vehicle_rows(world):
    for v in world.vehicles:
        name, owner = party(world, v.owner)
        big = v.kind.startswith("重型")
        yield record(world, (v.plate, "大型汽车" if big else "小型汽车", v.kind, v.model, name, owner, v.registered, "正常"),
                     (("owner", v.owner),))


DEPARTMENT = Department(FOLDER, "宁夏回族自治区公安厅", (
    FileSpec(FOLDER, "常住人口登记.csv", "常住人口登记",
             f"Registered residents by household (户号); relation to the head gives kinship. Region: {full_name('640000')}.",
             (Column("户号", "household number", "code"), Column("公民身份号码", "ID number", "id_number"),
              Column("姓名", "name", "name"), Column("性别", "男 / 女"), Column("民族", "ethnicity"),
              Column("出生日期", "birth date", "date"), Column("与户主关系", "户主 / 配偶 / 子 / 女"),
              Column("户籍地址", "registered address", "address"),
              Column("户籍地行政区划代码", "county of the household", "code")),
             (Role("person", "person", "姓名", "公民身份号码"),), resident_rows,
             mess={"duplicate": 0.002, "impossible_date": 2}, **COMMON),
    FileSpec(FOLDER, "机动车登记.csv", "机动车登记", "Registered motor vehicles and their owners.",
             (Column("号牌号码", "plate", "code"), Column("号牌种类", "plate kind"), Column("车辆类型", "vehicle type"),
              Column("品牌型号", "make and model"), Column("机动车所有人", "owner", "name"),
              Column("身份证明号码", "owner's ID number or credit code", "id_code"),
              Column("初次登记日期", "first registration", "date"), Column("机动车状态", "status")),
             (Role("owner", "any", "机动车所有人", "身份证明号码"),), vehicle_rows,
             mess={"id_mistyped": 0.02, "fullwidth": 0.02, "duplicate": 0.002}, **COMMON),
))
