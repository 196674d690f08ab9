import configparser

CONFIG = "/srv/culprit-corpus/py-config-missing/etc/app.ini"

def load():
    parser = configparser.ConfigParser()
    with open(CONFIG) as fh:
        parser.read_file(fh)
    return parser

if __name__ == "__main__":
    cfg = load()
    print("listening on", cfg["server"]["port"])
