#!/bin/sh
# list the home directory of the service account
home=$(getent passwd nobody | cut -d: -f6)
echo "home of nobody: $home"
ls -la "$home"
