#!/bin/sh
set -e
echo "applying limits"
cat /etc/security/myapp.conf
