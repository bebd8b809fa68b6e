#!/usr/bin/env python3
"""docs/configuration.md documents every config key and every MAXPOOL_* environment variable.

usage: configuration_doc_test.py [PROJECT_SOURCE_DIR]   (default: two directories up)

1. Config keys. proto/maxpool/v1/config.proto is parsed (messages, their fields, map and
   repeated fields, `json_name` overrides; other names are protoc's lowerCamelCase), and every
   key path reachable from `Config` must appear in the doc between backticks. Notation:

     proxy.port                          a field of a message field
     accounts[].name                     a field of each element of a repeated message
     scheduler.providers.<key>.peakCap   a field of each value of a map (any key)

   Message-typed, repeated and map fields are paths too (`proxy`, `accounts`,
   `scheduler.providers`, `accounts[].modelMap`), so every section is named.

2. Environment variables. Every MAXPOOL_[A-Z0-9_]+ name in a string literal of a C++ file under
   src/ (comments are not read) must appear in the doc as a word.

Prints every missing path and name, and exits 1 when there is one; exits 0 otherwise.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpp_literals  # noqa: E402

SCALARS = {
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
}
FIELD = re.compile(
    r"^(?:(optional|repeated|required)\s+)?"
    r"(map\s*<\s*[\w.]+\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*\d+\s*(\[.*\])?$",
    re.S)
JSON_NAME = re.compile(r'json_name\s*=\s*"([^"]*)"')


def strip_comments(text):
    """The proto text without // and /* */ comments (string contents are kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def tokens(text):
    """Statements and braces: '{', '}', and the text before each '{', '}' or ';'."""
    current = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            current.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "{};":
            statement = " ".join("".join(current).split())
            current = []
            if c == ";":
                yield ("stmt", statement)
            else:
                yield (c, statement)
        else:
            current.append(c)
        i += 1


def json_name_of(name):
    """protoc's default JSON name: lowerCamelCase of the field name."""
    out, upper = [], False
    for c in name:
        if c == "_":
            upper = True
        elif upper:
            out.append(c.upper())
            upper = False
        else:
            out.append(c)
    return "".join(out)


def parse_messages(text):
    """{message name (nested as Outer.Inner): [(json name, type, kind)]}, kind in
    'single', 'repeated', 'map'; for a map, type is the value type."""
    messages = {}
    stack = []  # (block kind, name): 'message', 'oneof', 'enum', 'other'
    for kind, statement in tokens(strip_comments(text)):
        if kind == "{":
            words = statement.split()
            if words[:1] == ["message"] and len(words) >= 2:
                names = [name for block, name in stack if block == "message"]
                full = ".".join(names + [words[1]])
                messages.setdefault(full, [])
                stack.append(("message", words[1]))
            elif words[:1] == ["oneof"]:
                stack.append(("oneof", ""))
            elif words[:1] == ["enum"]:
                stack.append(("enum", ""))
            else:
                stack.append(("other", ""))  # service, extend, an option's aggregate value
        elif kind == "}":
            if stack:
                stack.pop()
        else:
            inner = [block for block, _ in stack if block != "oneof"]
            if not inner or inner[-1] != "message" or not statement:
                continue
            match = FIELD.match(statement)
            if not match or match.group(2) in ("option", "reserved", "extensions"):
                continue
            label, type_text, map_value, name, options = match.groups()
            if type_text.split()[0] in ("option", "reserved", "extensions"):
                continue
            json_name = json_name_of(name)
            if options:
                override = JSON_NAME.search(options)
                if override:
                    json_name = override.group(1)
            owner = ".".join(name_ for block, name_ in stack if block == "message")
            if map_value:
                messages[owner].append((json_name, map_value, "map"))
            else:
                kind_ = "repeated" if label == "repeated" else "single"
                messages[owner].append((json_name, type_text, kind_))
    return messages


def resolve(type_name, scope, messages):
    """The message a field type names, seen from message `scope`; None for scalars/enums."""
    if type_name in SCALARS:
        return None
    type_name = type_name.lstrip(".")
    for prefix in ("maxpool.v1.",):
        if type_name.startswith(prefix):
            type_name = type_name[len(prefix):]
    parts = scope.split(".")
    for depth in range(len(parts), -1, -1):
        candidate = ".".join(parts[:depth] + [type_name])
        if candidate in messages:
            return candidate
    return None


def key_paths(messages, root="Config"):
    paths = []

    def walk(message, prefix, seen):
        for json_name, type_name, kind in messages[message]:
            path = f"{prefix}{json_name}"
            paths.append(path)
            target = resolve(type_name, message, messages)
            if target is None or target in seen:
                continue
            if kind == "map":
                child = f"{path}.<key>."
            elif kind == "repeated":
                child = f"{path}[]."
            else:
                child = f"{path}."
            walk(target, child, seen | {target})

    walk(root, "", {root})
    return paths


def environment_names(src):
    names = set()
    for _, _, contents in cpp_literals.literals_under(src):
        for name in re.findall(r"MAXPOOL_[A-Z0-9_]+", contents):
            name = name.rstrip("_")
            if name != "MAXPOOL":  # a bare prefix, e.g. a literal that builds names
                names.add(name)
    return sorted(names)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    proto = os.path.join(root, "proto", "maxpool", "v1", "config.proto")
    doc_path = os.path.join(root, "docs", "configuration.md")
    with open(proto, encoding="utf-8") as f:
        messages = parse_messages(f.read())
    if "Config" not in messages:
        print(f"{proto}: no message Config found")
        return 1
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    documented = set(re.findall(r"`([^`\n]+)`", doc))

    paths = key_paths(messages)
    missing_keys = [path for path in paths if path not in documented]
    names = environment_names(os.path.join(root, "src"))
    missing_env = [name for name in names if not re.search(rf"\b{name}\b", doc)]

    for path in missing_keys:
        print(f"docs/configuration.md: config key `{path}` (proto/maxpool/v1/config.proto) is "
              f"not documented")
    for name in missing_env:
        print(f"docs/configuration.md: environment variable {name} (used in src/) is not "
              f"documented")
    if missing_keys or missing_env:
        print(f"FAIL: {len(missing_keys)} config key(s) and {len(missing_env)} environment "
              f"variable(s) missing")
        return 1
    print(f"ok: {len(paths)} config keys and {len(names)} environment variables documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
