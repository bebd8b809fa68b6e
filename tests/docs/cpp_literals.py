"""The string literals of C++ source files, for the documentation tests (stdlib only).

A small lexer: it skips // and /* */ comments and character literals (and digit separators such
as 1'000), and yields the contents of ordinary ("...", with any u8/u/U/L prefix) and raw
(R"delim(...)delim") string literals with the line each one starts on. Escapes are kept as
written. Adjacent literals are yielded one by one, not joined.
"""

import os
import re

_RAW_OPEN = re.compile(r'"([^()\\ \t\n]{0,16})\(')
CPP_SUFFIXES = (".cc", ".h", ".cpp", ".hpp")


def string_literals(text):
    """Yields (line, contents) for every string literal of `text`, in order."""
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif c == '"':
            raw = _RAW_OPEN.match(text, i) if i > 0 and text[i - 1] == "R" else None
            if raw:
                close = ")" + raw.group(1) + '"'
                start = raw.end()
                end = text.find(close, start)
                end = n if end < 0 else end
                yield line, text[start:end]
                line += text.count("\n", i, end)
                i = end + len(close)
                continue
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            yield line, text[i + 1:j]
            i = j + 1
        elif c == "'":
            before = text[i - 1] if i > 0 else ""
            prefix = before in "uUL8" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))
            if (before.isalnum() or before == "_") and not prefix:
                i += 1  # a digit separator, or the end of an identifier
                continue
            j = i + 1
            while j < n and text[j] not in "'\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        else:
            i += 1


def source_files(root):
    """The C++ files under `root`, sorted."""
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            if name.endswith(CPP_SUFFIXES):
                found.append(os.path.join(directory, name))
    return sorted(found)


def literals_under(root):
    """Yields (path, line, contents) for every string literal of every C++ file under `root`."""
    for path in source_files(root):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for line, contents in string_literals(text):
            yield path, line, contents
