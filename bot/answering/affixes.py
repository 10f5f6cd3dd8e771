"""Indonesian affixes (and English inflections, Javanese, Betawi and Sundanese suffixes):
the roots a typed word may be made of ("ngembangin" -> "kembang"). The normaliser keeps
the one it knows; this module only says what the candidates are."""

from __future__ import annotations

from collections.abc import Iterator

# Indonesian affixes (and English inflections), stripped only when what remains is a
# word the bot knows.
_SUFFIXES = (
    "nya",
    "lah",
    "kah",
    "pun",
    "ku",
    "mu",
    "kan",
    "an",
    "in",
    "i",
    "s",
    "es",
    "ed",
    "ing",
    "nipun",  # Javanese krama -(n)ipun, "its": "biayanipun", "anggotanipun"
    "ipun",
    "ne",  # Javanese -(n)e, "its": "carane", "syarate", "anggotane"
    "e",
    "nye",  # Betawi -nye: "untungnye", "tempatnye"
    "na",  # Sundanese -na: "mangpaatna", "anggotana"
)
_PREFIXES = (
    "meng",
    "meny",
    "peng",
    "peny",
    "mem",
    "men",
    "pem",
    "pen",
    "per",
    "ber",
    "ter",
    "nge",
    "me",
    "pe",
    "be",
    "di",
    "ke",
    "se",
    "ng",
    "ny",
)

# Indonesian nasal prefixes swallow the first letter of the root (meN- + tulis -> menulis,
# ngembangin -> kembang): after stripping one, try the letters it may have replaced.
_NASAL = {
    "meng": ("k", ""),
    "peng": ("k", ""),
    "nge": ("",),
    "ng": ("k", ""),
    "meny": ("s", "c"),
    "peny": ("s", "c"),
    "ny": ("s", "c"),
    "mem": ("p", ""),
    "pem": ("p", ""),
    "men": ("t", ""),
    "pen": ("t", ""),
    "me": ("",),
    "pe": ("",),
}


def roots(word: str) -> Iterator[str]:
    """Every root left by stripping one suffix and one prefix (either may be none), with
    the letters a nasal prefix may have swallowed put back, in order of trial."""
    for suffix in ("", *_SUFFIXES):
        if suffix and not word.endswith(suffix):
            continue
        base = word[: len(word) - len(suffix)] if suffix else word
        for prefix in ("", *_PREFIXES):
            if prefix and not base.startswith(prefix):
                continue
            stripped = base[len(prefix) :]
            for initial in _NASAL.get(prefix, ("",)):
                yield initial + stripped
