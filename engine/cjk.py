"""Chinese, Japanese and Korean in a word index: each run of their characters as overlapping pairs.

These scripts write words without spaces between them, so SQLite's unicode61 tokenizer (and a regex word)
makes a whole run one token: "客户喜欢周一开会" is one word, and "开会" inside it is never found. Most words
there are one or two characters, so a run is cut into overlapping character bigrams ("客户 户喜 喜欢 …",
as Lucene's CJK analyzer does; a run of one stays one character): a two-character word is one bigram, and
a longer one is a phrase of bigrams, found wherever it is written. Korean puts spaces between phrases but
glues particles to words ("결제를"), so Hangul is paired too, and "결제" is found.

Thai (and Lao, Khmer, Myanmar) is left as it is: their characters are letters of an alphabet, not
syllables, so a pair of them is a fragment of a syllable that would match nearly every text in the
language; unicode61 already breaks them at each combining vowel and tone mark. A real word breaker for them
needs a dictionary (ICU, PyThaiNLP): a new dependency, not taken here.

Migration 0010 holds a frozen copy of `index_form`; a test keeps the two equal.
"""

from __future__ import annotations

import re

# Han (with its iteration and closing marks), Hiragana, Katakana (full and half width), Hangul (syllables and
# jamo, full and half width).
CJK_CHARACTERS = (
    "\u3005-\u3007\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
    "\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Hiragana, Katakana
    "\u1100-\u11ff\u3131-\u318e\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff\uffa0-\uffdc"  # Hangul
)
_RUN = re.compile(f"[{CJK_CHARACTERS}]+")


def bigrams(run: str) -> list[str]:
    """Overlapping pairs of a run of CJK characters; a run of one is itself."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_form(text: str) -> str:
    """`text` as the memory index stores it and is queried with: each CJK run as its bigrams, set off by spaces.

    Anything else is left exactly as it was, so Latin text is stemmed and matched as before.
    """
    if _RUN.search(text) is None:
        return text
    return _RUN.sub(lambda m: " " + " ".join(bigrams(m.group(0))) + " ", text)


def split_word(word: str) -> list[tuple[str, bool]]:
    """The pieces of one regex word in order, each marked True when it is a CJK bigram (or lone character)."""
    if _RUN.search(word) is None:
        return [(word, False)]
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _RUN.finditer(word):
        if match.start() > at:
            pieces.append((word[at : match.start()], False))
        pieces += [(pair, True) for pair in bigrams(match.group(0))]
        at = match.end()
    if at < len(word):
        pieces.append((word[at:], False))
    return pieces


def runs(text: str) -> list[str]:
    """The runs of CJK characters in `text`, in order."""
    return _RUN.findall(text)
