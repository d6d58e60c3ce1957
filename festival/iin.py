"""Kazakhstan's individual identification number (ЖСН / ИИН): 12 digits, YYMMDD, century-and-sex digit, check digit."""

import datetime

_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# The seventh digit: 1/2 born in the 19th century, 3/4 in the 20th, 5/6 in the 21st (odd = male).
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


class InvalidIIN(ValueError):
    """Raised with a code: 'format', 'century', 'date' or 'checksum'."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def iin_check_digit(first_eleven):
    digits = [int(c) for c in first_eleven]
    for weights in (_WEIGHTS_FIRST, _WEIGHTS_SECOND):
        control = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if control != 10:
            return control
    return None  # no valid check digit exists for these eleven digits


def iin_birth_date(iin):
    """Parse and validate an IIN; return the birth date it encodes."""
    if len(iin) != 12 or not iin.isdigit():
        raise InvalidIIN("format")
    century = _CENTURY.get(iin[6])
    if century is None:
        raise InvalidIIN("century")
    try:
        born = datetime.date(century + int(iin[0:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise InvalidIIN("date") from None
    if iin_check_digit(iin[:11]) != int(iin[11]):
        raise InvalidIIN("checksum")
    return born
