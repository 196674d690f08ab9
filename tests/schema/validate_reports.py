#!/usr/bin/env python3
"""Validates culprit JSON reports against docs/report.schema.json.

usage: validate_reports.py SCHEMA REPORT.json...
Prints one line per invalid report (file: where in the document: what is wrong) and a summary;
exits 0 when every report is valid, 1 otherwise, 2 when the schema itself is not valid.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print(f"{argv[1]}: not a valid schema: {e.message}", file=sys.stderr)
        return 2
    validator = validator_class(schema)
    bad = 0
    for path in argv[2:]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"{path}: not JSON: {e}")
            bad += 1
            continue
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:5]:
            where = "/".join(str(p) for p in e.absolute_path) or "(document)"
            print(f"{path}: {where}: {e.message[:300]}")
        bad += 1 if errors else 0
    print(f"{len(argv) - 2 - bad} of {len(argv) - 2} reports valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
