import os
import sys

LICENSE = "/srv/culprit-corpus/py-access-check/license.key"
if not os.path.exists(LICENSE):
    sys.stderr.write("license file %s is missing, refusing to start\n" % LICENSE)
    sys.exit(1)
print("licensed")
