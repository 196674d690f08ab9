#!/bin/bash
set -e
echo "installing dependencies"
composer install --no-dev
