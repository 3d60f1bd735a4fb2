"""The unified social credit code (GB 32100-2015): real codes pass, every kind of mistake
gets a message saying exactly what is wrong, and the check character catches every
single-character typo and every swap of neighbours."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from bidding.uscc import AUTHORITIES, CHARSET, WEIGHTS, UsccError, check_character, uscc_check

# Codes as printed on business licences (published by the companies themselves).
REAL_CODES = ["91350100M000100Y43", "9144030071526726XG", "91330100716105852F"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(code) -> str:
    with pytest.raises(UsccError) as exc:
        uscc_check(code)
    return exc.value.message


def test_the_standard_s_character_set_and_weights():
    assert CHARSET == "0123456789ABCDEFGHJKLMNPQRTUWXY" and len(CHARSET) == 31
    assert WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass_and_their_check_character_is_computed(code):
    assert uscc_check(code) == code
    assert check_character(code[:17]) == code[17]


def test_a_check_value_of_31_is_written_as_0():
    # A weighted sum ≡ 0 (mod 31) gives 31 - 0 = 31, which the standard writes as "0".
    prefixes = (f"1{t}00000000000000{c}" for t in "123456789" for c in CHARSET)
    zero_sum = next(p for p in prefixes
                    if sum(CHARSET.index(ch) * w for ch, w in zip(p, WEIGHTS, strict=True)) % 31 == 0)
    assert check_character(zero_sum) == "0"
    assert uscc_check(zero_sum + "0") == zero_sum + "0"


@pytest.mark.parametrize("typed", [
    "91350100m000100y43",  # lower case
    " 9135 0100 M000 100Y 43 ",  # grouped with spaces
    "91350100-M000100Y4-3",  # hyphens
    "９１３５０１００Ｍ０００１００Ｙ４３",  # full-width, as a Chinese input method types it
    "91350100M000100Y43\n",
    "9135\u30000100M000100Y43",  # ideographic space
])
def test_what_people_type_is_normalised(typed):
    assert uscc_check(typed) == "91350100M000100Y43"


def test_empty_code_asks_for_it():
    assert "enter the 18-character code" in refused("")
    assert "enter the 18-character code" in refused(None)


@pytest.mark.parametrize("code, n", [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("9", 1)])
def test_wrong_length_says_how_many_characters_were_given(code, n):
    message = refused(code)
    assert "GB 32100-2015" in message and "18 characters" in message and f"has {n}" in message


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_unused_letters_are_named_with_their_position(letter):
    code = "91350100M000100Y43"[:9] + letter + "91350100M000100Y43"[10:]
    message = refused(code)
    assert f"character 10 “{letter}”" in message and "I, O, Z, S and V are not used" in message


@pytest.mark.parametrize("ch", ["*", "中", "_", "."])
def test_other_characters_are_refused(ch):
    message = refused("913501" + ch + "0M000100Y43")
    assert f"character 7 “{ch}”" in message and "only digits and capital letters" in message


@pytest.mark.parametrize("first", ["0", "B", "C", "X"])
def test_the_first_character_is_a_registration_authority(first):
    assert first not in AUTHORITIES
    message = refused(first + "1350100M000100Y43")
    assert f"character 1 “{first}”" in message and "registration authority" in message


@pytest.mark.parametrize("second", ["0", "A", "Y"])
def test_the_second_character_is_an_organisation_type(second):
    message = refused("9" + second + "350100M000100Y43")
    assert f"character 2 “{second}”" in message and "organisation type" in message


def test_the_division_code_is_digits():
    message = refused("91A50100M000100Y43")
    assert "characters 3-8" in message and "A50100" in message


def test_a_wrong_check_character_names_the_expected_one():
    message = refused("91350100M000100Y44")
    assert "should be “3”" in message and "given “4”" in message and "mistyped" in message


_prefixes = st.tuples(
    st.sampled_from(sorted(AUTHORITIES)),
    st.sampled_from("123456789"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CHARSET, min_size=9, max_size=9),
).map("".join)


@given(prefix=_prefixes, position=st.integers(0, 17), replacement=st.sampled_from(CHARSET))
def test_every_single_character_typo_is_caught(prefix, position, replacement):
    code = prefix + check_character(prefix)
    assert uscc_check(code) == code
    if code[position] == replacement:
        return
    with pytest.raises(UsccError):
        uscc_check(code[:position] + replacement + code[position + 1:])


@given(prefix=_prefixes, position=st.integers(0, 16))
def test_every_swap_of_neighbouring_characters_is_caught(prefix, position):
    code = prefix + check_character(prefix)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
    if swapped == code:
        return
    with pytest.raises(UsccError):
        uscc_check(swapped)
