"""Read a command line back as a desktop or systemd reads it: what the app's and installer's files run.

Written from the specifications, not from the code that writes the lines, so a test of that code checks
it against the reader it writes for.
"""

from __future__ import annotations

import re


def exec_words(text: str) -> list[str]:
    """The Exec line's arguments as a desktop environment reads them (Desktop Entry spec 1.5, "The Exec key")."""
    (line,) = [x.removeprefix("Exec=") for x in text.split("\n") if x.startswith("Exec=")]
    singles = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    value = re.sub(r"\\(.)", lambda m: singles.get(m[1], "\\" + m[1]), line)  # the string rule comes first
    words: list[str] = []
    word: str | None = None
    quoted, escaped = False, False
    for c in value:
        if quoted and escaped:
            word, escaped = (word or "") + c, False
        elif quoted and c == "\\":
            escaped = True
        elif c == '"':
            quoted, word = not quoted, word or ""
        elif c == " " and not quoted:
            if word is not None:
                words.append(word)
            word = None
        else:
            word = (word or "") + c
    if word is not None:
        words.append(word)
    return [w.replace("%%", "%") for w in words]


_C_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "s": " ", "\\": "\\", '"': '"', "'": "'", "a": "\a", "v": "\v"}


def unit_exec_words(text: str) -> list[str]:
    """The ExecStart= line's program and arguments as systemd reads them (systemd.service(5), "Command
    lines"): specifiers (`%%`) first, then words split on white space with quotes and C escapes, then `$$`
    in the arguments (environment variables are substituted there, never in the program's path)."""
    (line,) = [x.removeprefix("ExecStart=") for x in text.split("\n") if x.startswith("ExecStart=")]
    line = re.sub(r"%(.)", lambda m: "%" if m[1] == "%" else f"<specifier {m[1]}>", line)
    words: list[str] = []
    word: str | None = None
    quote: str | None = None
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            if line[i + 1] == "x":
                word, i = (word or "") + chr(int(line[i + 2 : i + 4], 16)), i + 4
            else:
                word, i = (word or "") + _C_ESCAPES[line[i + 1]], i + 2
            continue
        if quote is not None:
            word, quote = (word or "", None) if c == quote else ((word or "") + c, quote)
        elif c in "\"'":
            word, quote = word or "", c
        elif c.isspace():
            if word is not None:
                words.append(word)
            word = None
        else:
            word = (word or "") + c
        i += 1
    if word is not None:
        words.append(word)
    return words[:1] + [_variables(word) for word in words[1:]]


def _variables(word: str) -> str:
    """`$$` is one `$`; anything else after a `$` is a variable systemd would substitute (shown as such)."""
    return re.sub(r"\$(\$|\{?\w*\}?)", lambda m: "$" if m[1] == "$" else f"<variable {m[1]}>", word)
