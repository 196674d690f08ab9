#!/bin/sh
# private network namespace: loopback only, a busy listener on 127.0.0.1:18932
ip link set lo up
sysctl -qw net.ipv4.tcp_syn_retries=1
python3 /srv/culprit-corpus/py-connect-timeout/busy_server.py /srv/culprit-corpus/py-connect-timeout/ready &
while [ ! -e /srv/culprit-corpus/py-connect-timeout/ready ]; do sleep 0.1; done
exec "$@"
