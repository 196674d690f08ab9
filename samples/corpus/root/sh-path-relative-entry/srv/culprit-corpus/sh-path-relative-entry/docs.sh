#!/bin/sh
# builds the documentation; PATH is set by the CI job that calls it
mkdocs build --strict
