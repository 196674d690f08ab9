#!/bin/sh
set -e
out=/srv/culprit-corpus/ok-shell-work/out
mkdir -p "$out"
for i in 1 2 3; do echo "line $i" >>"$out/lines.txt"; done
wc -l <"$out/lines.txt" >"$out/count.txt"
grep -c line "$out/lines.txt"
cp "$out/count.txt" "$out/count.bak"
echo "report ready"
