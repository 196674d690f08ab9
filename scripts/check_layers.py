#!/usr/bin/env python3
"""Fails when a source file includes a project header outside what its layer may use.

The layers, and what each may include besides itself (docs/ARCHITECTURE.md):

    tracer/model      -
    tracer/strace     tracer/model
    tracer/ptrace     tracer/model
    tracer/ebpf       tracer/model
    analyzer/core     tracer/model
    analyzer/rules    analyzer/core, tracer/model
    analyzer/passes   analyzer/rules, analyzer/core, tracer/model
    analyzer/fix      analyzer/rules, analyzer/core, tracer/model
    analyzer/render   analyzer/core, tracer/model
    analyzer/fleet    analyzer/core, tracer/model
    cli               anything

Every .h/.cpp/.c under tracer/ and analyzer/ must sit in one of those folders, and every quoted
include of a project path must name a file that exists. Tests, fuzzers and benchmarks may include
anything. usage: scripts/check_layers.py [ROOT]   (exit 1 and one line per violation)
"""
import os
import re
import sys

ALLOWED = {
    "tracer/model": set(),
    "tracer/strace": {"tracer/model"},
    "tracer/ptrace": {"tracer/model"},
    "tracer/ebpf": {"tracer/model"},
    "analyzer/core": {"tracer/model"},
    "analyzer/rules": {"analyzer/core", "tracer/model"},
    "analyzer/passes": {"analyzer/rules", "analyzer/core", "tracer/model"},
    "analyzer/fix": {"analyzer/rules", "analyzer/core", "tracer/model"},
    "analyzer/render": {"analyzer/core", "tracer/model"},
    "analyzer/fleet": {"analyzer/core", "tracer/model"},
}
CHECKED_ROOTS = ("tracer", "analyzer", "cli")
PROJECT_PREFIXES = ("tracer/", "analyzer/", "cli/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    for layer in ALLOWED:
        if path.startswith(layer + "/"):
            return layer
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    problems = []
    for top in CHECKED_ROOTS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".h", ".cpp", ".c")):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                layer = layer_of(rel)
                if layer is None and not rel.startswith("cli/"):
                    problems.append(f"{rel}: not in a layer folder ({', '.join(ALLOWED)})")
                    continue
                with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m or not m.group(1).startswith(PROJECT_PREFIXES):
                            continue
                        target = m.group(1)
                        if not os.path.isfile(os.path.join(root, target)):
                            problems.append(f"{rel}:{number}: includes {target}, which does not exist")
                            continue
                        if layer is None:  # cli/ may use every layer
                            continue
                        target_layer = layer_of(target)
                        if target_layer == layer or target_layer in ALLOWED[layer]:
                            continue
                        may = ", ".join(sorted(ALLOWED[layer])) or "nothing else"
                        problems.append(f"{rel}:{number}: {layer} includes {target} "
                                        f"(layer {target_layer or 'cli'}); it may use {may}")
    for p in problems:
        print(f"check_layers: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
