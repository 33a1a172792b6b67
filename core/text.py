"""Name keys for the office's person search: full pinyin and pinyin initials (pypinyin)."""

from __future__ import annotations

import re

from pypinyin import lazy_pinyin

_LATIN = re.compile(r"^[a-z]+$")


def name_keys(name: str) -> tuple[str, str]:
    """("zhangsan", "zs") for 张三. Non-Chinese characters are kept as lower-case letters.

    Polyphonic surnames take pypinyin's default reading; the search also matches the Chinese name.
    """
    syllables = []
    for chunk in lazy_pinyin(name or ""):
        syllables.extend(word.lower() for word in re.findall(r"[A-Za-z]+", chunk))
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full, initials


def looks_like_pinyin(query: str) -> bool:
    return bool(_LATIN.match(query.lower()))
