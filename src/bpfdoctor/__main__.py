"""``python -m bpfdoctor`` and the ``bpfdoctor`` script (``run``).

A Ctrl-C while the CLI is still importing (the command modules, before
``cli.main`` has its handler in place) ends the run with exit code 130 and no
traceback, as one during a command does.
"""

import sys


def run() -> None:
    try:
        from bpfdoctor.cli import main
    except KeyboardInterrupt:
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
