"""Check characters of credit codes and ID numbers, against real-format examples worked by hand."""
import datetime as dt

import pytest

from crossaudit.loaders.identifiers import (
    credit_code_check_char, credit_code_problem, id_number_birth_date, id_number_check_char, id_number_gender,
    id_number_problem, is_valid_credit_code, is_valid_id_number, make_credit_code, make_id_number, normalize_code,
    org_code_check_char, org_code_problem,
)
from crossaudit.loaders.regions import DIVISIONS, NINGXIA_COUNTIES, PROVINCES, full_name


def test_org_code_check_char_by_hand():
    # 19220382: 1·3 + 9·7 + 2·9 + 2·10 + 0·5 + 3·8 + 8·4 + 2·2 = 164; 164 mod 11 = 10; 11 − 10 = 1
    assert org_code_check_char("19220382") == "1"
    # 71526726: 7·3+1·7+5·9+2·10+6·5+7·8+2·4+6·2 = 199; 199 mod 11 = 1; 11 − 1 = 10 → X
    assert org_code_check_char("71526726") == "X"


def test_org_code_letters_count_from_ten():
    # MA7: M = 22, A = 10 (GB 11714); a remainder of 0 gives 11 → '0'
    body = "MA7A0000"
    total = 22 * 3 + 10 * 7 + 7 * 9 + 10 * 10
    expected = {10: "X", 11: "0"}.get(11 - total % 11, str(11 - total % 11))
    assert org_code_check_char(body) == expected


@pytest.mark.parametrize("code", ["914403001922038216", "9144030071526726XG", "91330100716105852F"])
def test_real_credit_codes_are_valid(code):
    assert credit_code_problem(code) is None
    assert credit_code_check_char(code[:17]) == code[17]


def test_credit_code_normalised_before_checking():
    assert is_valid_credit_code(" 9144030071526726xg ")
    assert is_valid_credit_code("９１４４０３００１９２２０３８２１６")
    assert normalize_code(" ９１ab ") == "91AB"


@pytest.mark.parametrize("code, reason", [
    ("91440300192203821", "18 characters"),
    ("9144030019220382I6", "alphabet"),
    ("914403001922038206", "organisation code check"),
    ("914403001922038217", "credit code check"),
])
def test_credit_code_problems_say_why(code, reason):
    assert reason in credit_code_problem(code)


def test_is_valid_credit_code_agrees_with_the_reasons_on_every_kind_of_slip():
    """The quick check (one pattern, then the two check characters) says valid exactly when
    `credit_code_problem` finds nothing: each character of real codes replaced by every other
    kind (digits, the letters the alphabet lacks, lower case, full width, a dash, a space), cut
    short, lengthened, padded."""
    codes = ["914403001922038216", "9144030071526726XG", "91330100716105852F", make_credit_code("640104", "MA7CTMDN")]
    slips = "0123456789AIOSVZXYx９Ｘ- "
    variants = [code[:k] + slip + code[k + 1:] for code in codes for k in range(18) for slip in slips]
    variants += [v for code in codes for v in (code[:17], code + "1", f" {code} ", code.lower(), code[:2] + "X" + code[3:])]
    # the organisation code's check character wrong, the code's own recomputed over it: only that check fails
    wrong_org = [code[:16] + other for code in codes for other in "0X" if other != code[16]]
    variants += [head + credit_code_check_char(head) for head in wrong_org]
    assert sum(is_valid_credit_code(v) for v in variants) > len(codes)  # some slips keep a code valid (the same character)
    assert [v for v in variants if is_valid_credit_code(v) != (credit_code_problem(v) is None)] == []


def test_make_credit_code_embeds_division_and_valid_org_code():
    code = make_credit_code("640104", "MA7CTMDN")
    assert code.startswith("91640104MA7CTMDN")
    assert org_code_problem(code[8:17]) is None
    assert is_valid_credit_code(code)
    assert make_credit_code("640104", "12345678", authority="1", category="2").startswith("12640104")


def test_id_number_check_char_by_hand():
    # 11010519491231002: Σ digit·weight = 167; 167 mod 11 = 2 → '10X98765432'[2] = 'X'
    assert id_number_check_char("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("11010519491231002x") is None


def test_id_number_parts():
    code = "640104199008300012"
    code = code[:17] + id_number_check_char(code[:17])
    assert id_number_birth_date(code) == dt.date(1990, 8, 30)
    assert id_number_gender(code) == "M"


@pytest.mark.parametrize("code, reason", [
    ("110105491231002", "15-digit"),
    ("1101051949123100", "18 characters"),
    ("990105194912310021", "province"),
    ("640104201902300011", "impossible"),
    ("110105194912310021", "check character"),
    ("11010519491231002Y", "17 digits"),
])
def test_id_number_problems_say_why(code, reason):
    assert reason in id_number_problem(code)


def test_birth_after_today_only_with_today_given():
    code = make_id_number("640104", dt.date(2030, 1, 1), 1, "M")
    assert id_number_problem(code) is None
    assert "after" in id_number_problem(code, today=dt.date(2024, 1, 1))


def test_make_id_number_forces_gender_parity():
    for seq in range(20):
        male = make_id_number("640104", dt.date(1980, 5, 6), seq, "M")
        female = make_id_number("640104", dt.date(1980, 5, 6), seq, "F")
        assert is_valid_id_number(male) and id_number_gender(male) == "M"
        assert is_valid_id_number(female) and id_number_gender(female) == "F"


def test_regions_cover_ningxia_and_every_province():
    assert len(PROVINCES) == 31
    assert len(NINGXIA_COUNTIES) == 22
    assert DIVISIONS["640181"].name == "灵武市" and DIVISIONS["640181"].parent == "640100"
    assert full_name("640502") == "宁夏回族自治区中卫市沙坡头区"
    assert full_name("110105") == "北京市朝阳区"
