#!/usr/bin/env python3
"""No user-facing text of maxpool points at design documents outside the repository.

usage: no_spec_refs_test.py [PROJECT_SOURCE_DIR]   (default: two directories up)

Reads every string literal of every C++ file under src/ (comments are not read: they may cite
whatever helps a maintainer) and fails on one that contains a section sign (as in "spec §1.1",
"wire §5" or "§2.3") or "(spec": those are references to documents a user does not have.
Prints each offending literal as FILE:LINE and exits 1; exits 0 when there is none.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpp_literals  # noqa: E402

FORBIDDEN = re.compile(r"§|\(spec\b|\bspec §")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    src = os.path.join(root, "src")
    found = 0
    for path, line, contents in cpp_literals.literals_under(src):
        if FORBIDDEN.search(contents):
            found += 1
            shown = contents if len(contents) <= 120 else contents[:117] + "..."
            print(f"{os.path.relpath(path, root)}:{line}: a string literal refers to a document "
                  f"outside the repository: \"{shown}\"")
    if found:
        print(f"FAIL: {found} string literal(s) in src/ refer to outside documents; say it in "
              f"the message itself or drop the reference")
        return 1
    print("ok: no string literal in src/ refers to an outside document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
