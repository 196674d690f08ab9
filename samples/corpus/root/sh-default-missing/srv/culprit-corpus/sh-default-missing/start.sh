#!/bin/sh
# start wrapper: settings come from /etc/default/myapp
set -e
. /etc/default/myapp
echo "starting myapp on port ${PORT:-8000}"
