#!/usr/bin/env python3
"""Lists the tests that ctest reported as skipped in the JUnit files given (ctest --output-junit)
and exits 1 when there is any. CI installs every tool the tests use and runs as root, so a skip
there (exit 77: a missing tool, privilege or kernel feature) means a part of the suite did not
run: CI fails on it rather than count it as a pass.

usage: scripts/ctest_skips.py JUNIT.xml...
"""
import sys
import xml.etree.ElementTree as ET


def main(paths):
    skipped = []
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            print(f"ctest_skips: cannot read {path}: {e}", file=sys.stderr)
            return 2
        for case in root.iter("testcase"):
            if case.find("skipped") is not None or case.get("status") == "skipped":
                skipped.append(case.get("name", "?"))
    for name in skipped:
        print(f"skipped: {name}", file=sys.stderr)
    if skipped:
        print(f"ctest_skips: {len(skipped)} test(s) skipped; every test must run here",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
