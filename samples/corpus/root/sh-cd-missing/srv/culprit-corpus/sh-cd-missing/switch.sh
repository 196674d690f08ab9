#!/bin/sh
set -e
cd /srv/culprit-corpus/sh-cd-missing/releases/current
./migrate
