import datetime

import pytest

from festival.iin import InvalidIIN, iin_birth_date, iin_check_digit


def make_iin(born, sex_century="5", serial="0012"):
    first = born.strftime("%y%m%d") + sex_century + serial
    digit = iin_check_digit(first)
    assert digit is not None
    return first + str(digit)


def test_iin_valid_returns_birth_date():
    iin = make_iin(datetime.date(2012, 5, 10))
    assert iin_birth_date(iin) == datetime.date(2012, 5, 10)


def test_iin_twentieth_century_digit():
    iin = make_iin(datetime.date(1985, 12, 31), sex_century="4")
    assert iin_birth_date(iin) == datetime.date(1985, 12, 31)


@pytest.mark.parametrize("value", ["", "12345", "1234567890123", "12051050001a"])
def test_iin_format_rejected(value):
    with pytest.raises(InvalidIIN) as error:
        iin_birth_date(value)
    assert error.value.code == "format"


@pytest.mark.parametrize("digit", ["0", "7", "9"])
def test_iin_century_digit_rejected(digit):
    with pytest.raises(InvalidIIN) as error:
        iin_birth_date("120510" + digit + "00012")
    assert error.value.code == "century"


def test_iin_impossible_date_rejected():
    first = "121340" + "50012"  # month 13
    with pytest.raises(InvalidIIN) as error:
        iin_birth_date(first + "0")
    assert error.value.code == "date"


def test_iin_wrong_check_digit_rejected():
    iin = make_iin(datetime.date(2012, 5, 10))
    wrong = iin[:11] + str((int(iin[11]) + 1) % 10)
    with pytest.raises(InvalidIIN) as error:
        iin_birth_date(wrong)
    assert error.value.code == "checksum"


# Check digits worked out by hand from the published algorithm:
# 130401600025: 1·1+3·2+0·3+4·4+0·5+1·6+6·7+0·8+0·9+0·10+2·11 = 93 ≡ 5 (mod 11).
# 120510500017: the first weights give 76 ≡ 10, so the second set (3…11, 1, 2) decides: 95 ≡ 7.
@pytest.mark.parametrize(
    ("iin", "born"), [("130401600025", datetime.date(2013, 4, 1)), ("120510500017", datetime.date(2012, 5, 10))]
)
def test_iin_known_numbers(iin, born):
    assert iin_birth_date(iin) == born
    for wrong in "0123456789":
        if wrong != iin[-1]:
            with pytest.raises(InvalidIIN):
                iin_birth_date(iin[:11] + wrong)
