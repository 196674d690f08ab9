#!/bin/sh
# all output of the job goes to its log file
exec >>/srv/culprit-corpus/sh-redirect-logdir/log/backup.log 2>&1
echo "backup started"
tar cf - -C /etc hostname >/dev/null
