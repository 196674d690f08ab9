#!/bin/sh
set -e
cat /srv/culprit-corpus/sh-cat-missing/templates/banner.txt
echo "---"
