"""Tools for staff who keep the catalogue: `make check` (`check`), the reply preview (`preview`), the
command line `python -m staff svar/kris/behov/check` (`__main__`) and the read-only staff page /personal
(`page`, served by tools/webserver.py). Plain Python on the domain (`bot`); no Rasa."""
