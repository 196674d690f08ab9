import csv

with open("/srv/culprit-corpus/py-eacces/data/secret.csv", newline="") as fh:
    rows = list(csv.reader(fh))
print(len(rows), "rows")
