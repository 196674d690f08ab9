import configparser
import os

cnf = os.path.expanduser("~/.my.cnf")
parser = configparser.ConfigParser()
with open(cnf) as fh:
    parser.read_file(fh)
print("user", parser["client"]["user"])
