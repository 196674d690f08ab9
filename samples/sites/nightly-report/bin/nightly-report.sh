#!/bin/sh
# Nightly sales report, run from cron.
set -e
cd /srv/culprit-demo/bad-interpreter
echo "nightly-report: starting at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
mkdir -p reports
/srv/culprit-demo/bad-interpreter/bin/report.py --period yesterday --out reports/daily.csv
echo "nightly-report: done"
