"""民政厅: marriage registrations."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "civil_affairs"


def marriage_rows(world):
    for m in sorted(world.marriages, key=lambda m: (m.date, m.cert_no)):
        husband_name, husband = party(world, m.husband)
        wife_name, wife = party(world, m.wife)
        yield record(world, (m.cert_no, m.date, "结婚登记", husband_name, husband, wife_name, wife, m.office),
                     (("husband", m.husband), ("wife", m.wife)))


DEPARTMENT = Department(FOLDER, "宁夏回族自治区民政厅", (
    FileSpec(FOLDER, "婚姻登记.xlsx", "婚姻登记", "Marriage registrations since 1995.",
             (Column("结婚证字号", "certificate number", "code"), Column("登记日期", "date", "date"),
              Column("登记类别", "结婚登记"), Column("男方姓名", "husband", "name"),
              Column("男方身份证件号码", "husband's ID number", "id_number"), Column("女方姓名", "wife", "name"),
              Column("女方身份证件号码", "wife's ID number", "id_number"), Column("登记机关", "registry office")),
             (Role("husband", "person", "男方姓名", "男方身份证件号码"), Role("wife", "person", "女方姓名", "女方身份证件号码")),
             marriage_rows, format="xlsx", date_style="chinese",
             mess={"id_mistyped": 0.02, "duplicate": 0.003, "impossible_date": 1}),
))
