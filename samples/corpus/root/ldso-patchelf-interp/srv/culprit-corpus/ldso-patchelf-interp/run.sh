#!/bin/bash
/srv/culprit-corpus/ldso-patchelf-interp/app
