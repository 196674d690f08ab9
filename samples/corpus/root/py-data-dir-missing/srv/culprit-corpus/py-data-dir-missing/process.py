import csv
import os

INBOX = os.path.join("/srv/culprit-corpus/py-data-dir-missing", "incoming")

total = 0
with open(os.path.join(INBOX, "orders.csv"), newline="") as fh:
    for row in csv.DictReader(fh):
        total += int(row["qty"])
print("total", total)
