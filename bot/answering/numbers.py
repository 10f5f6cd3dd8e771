"""Numbers as residents type them, made digits: spelled out ("lima ratus", "four hundred
eleven") and Roman numerals in capitals ("MTQ ke-VIII"), so they meet the figures of the
answers ("500", "411", "8"). Pure functions over words and text; the normaliser calls them."""

from __future__ import annotations

import re

# A Roman numeral typed in capitals ("MTQ ke-VIII", "HUT ke XXV") is the number: read
# before the text is lower-cased, two letters at least ("I", "X" alone are words).
_ROMAN = re.compile(r"(?<![^\W\d_])(?=[IVX]{2})(X{0,3})(IX|IV|V?I{0,3})(?![^\W\d_])")
_ROMAN_ONES = {
    "": 0, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
}  # fmt: skip
THOUSAND_WORDS = frozenset({"ribu", "rb", "rbu", "thousand", "k"})

# Numbers written out ("lima belas ribu", "delapan ratus", "four hundred eleven") become
# digits, so they meet the figures of the answers ("15000", "800", "411").
_UNITS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_WHOLE = {"sepuluh": 10, "sebelas": 11, "seratus": 100}  # already complete numbers
_TIMES = {"puluh": 10, "ratus": 100, "hundred": 100}  # multiply the unit just before
_SCALES = {"ribu": 1000, "thousand": 1000, "juta": 1_000_000, "million": 1_000_000}
_SCALE_WHOLE = {"seribu": 1000, "sejuta": 1_000_000}
NUMBER_WORDS = frozenset({*_UNITS, *_WHOLE, *_TIMES, *_SCALES, *_SCALE_WHOLE, "belas", "and"})
# A run of number words is converted only when it holds one of these: "dua produk" stays
# words ("2" would be a word no entry knows), "dua ribu seratus sepuluh" becomes 2110.
MAKES_A_FIGURE = frozenset({*_WHOLE, *_TIMES, *_SCALES, *_SCALE_WHOLE, "belas"})


def spelled_numbers(words: list[str]) -> list[str]:
    """Replace runs of spelled-out numbers with their digits ("lima ratus" -> "500")."""
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j] in NUMBER_WORDS and (words[j] != "and" or j > i):
            j += 1
        while j > i and words[j - 1] == "and":  # "... hundred and" ends before "and"
            j -= 1
        run = words[i:j]
        if run and any(w in MAKES_A_FIGURE for w in run):
            out.append(str(_number_value(run)))
            i = j
        else:
            out.append(words[i])
            i += 1
    return out


def _number_value(run: list[str]) -> int:
    total = group = unit = 0
    for word in run:
        if word in _UNITS:
            group += unit
            unit = _UNITS[word]
        elif word in _WHOLE:
            group += unit + _WHOLE[word]
            unit = 0
        elif word == "belas":
            group += (unit or 1) + 10
            unit = 0
        elif word in _TIMES:
            group += (unit or 1) * _TIMES[word]
            unit = 0
        elif word in _SCALES:
            total += ((group + unit) or 1) * _SCALES[word]
            group = unit = 0
        elif word in _SCALE_WHOLE:
            total += _SCALE_WHOLE[word]
    return total + group + unit


def roman_numerals(text: str) -> str:
    """ "MTQ ke-VIII" -> "MTQ ke-8" (capitals only, two letters at least)."""
    return _ROMAN.sub(_roman_value, text) if _ROMAN.search(text) else text


def _roman_value(match: re.Match[str]) -> str:
    return str(10 * len(match.group(1)) + _ROMAN_ONES[match.group(2)])


# Words that state a figure in an answer's text ("ribuan", "dozens"): an answer with one
# gives a count, though it has no digits.
FIGURE_WORDS = frozenset(
    [
        "satu",
        "dua",
        "tiga",
        "empat",
        "lima",
        "enam",
        "tujuh",
        "delapan",
        "sembilan",
        "sepuluh",
        "puluhan",
        "ratusan",
        "ribuan",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "dozens",
        "hundreds",
        "thousands",
    ]
)
