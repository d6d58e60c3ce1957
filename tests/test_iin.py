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


@pytest.mark.parametrize("value", ["", "12345", "1234567890123", "12051050001a", "120510900012"])
def test_iin_format_rejected(value):
    with pytest.raises(InvalidIIN) as error:
        iin_birth_date(value)
    assert error.value.code == "format"


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


def test_iin_check_digit_uses_second_weights_when_first_gives_ten():
    # Find eleven digits whose first weighted sum is 10 mod 11: the second weight set must decide.
    for serial in range(10000):
        first = "120510" + "5" + f"{serial:04d}"
        if sum(int(d) * w for d, w in zip(first, range(1, 12), strict=True)) % 11 == 10:
            second = sum(int(d) * w for d, w in zip(first, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11
            assert iin_check_digit(first) == (None if second == 10 else second)
            return
    pytest.fail("no serial gives a first checksum of 10")
