#!/bin/sh
set -e
echo "nightly backup"
/usr/local/bin/backup-tool --all
