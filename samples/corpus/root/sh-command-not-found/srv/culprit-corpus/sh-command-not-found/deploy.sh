#!/bin/sh
set -e
echo "deploying assets"
rsync-assets --target /srv/www
echo done
