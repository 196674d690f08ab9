import os
import sys

path = os.path.expanduser("~/.config/notes/config.toml")
try:
    with open(path) as fh:
        settings = fh.read()
except OSError as e:
    sys.stderr.write("notes: cannot read %s: %s\n" % (path, e.strerror))
    sys.exit(1)
print(settings)
