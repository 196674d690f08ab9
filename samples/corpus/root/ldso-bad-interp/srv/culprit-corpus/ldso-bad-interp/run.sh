#!/bin/sh
exec /srv/culprit-corpus/ldso-bad-interp/app
