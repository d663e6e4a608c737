"""``python -m bpfdoctor`` and the ``bpfdoctor`` script (``run``).

A Ctrl-C while the CLI is still importing (the command modules, before
``cli.main`` has its handler in place) ends the run with exit code 130 and no
traceback, as one during a command does.
"""

import sys


class _DeferredModule(type(sys)):
    """A stand-in in ``sys.modules`` that imports the real module on first use."""

    def __getattr__(self, attr: str):
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(__import__(self.__name__), attr)


def defer_inspect() -> None:
    """``dataclasses`` imports ``inspect`` (with ast, dis, tokenize: about a
    third of the interpreter's own start) but uses it only to write a
    docstring for a dataclass that has none, and every bpfdoctor dataclass
    has one (tests/test_dataclass_docs.py).  For the command line only, the
    import waits until something uses it; a library user's process is left
    alone."""
    if "inspect" not in sys.modules:
        sys.modules["inspect"] = _DeferredModule("inspect")


def run() -> None:
    try:
        defer_inspect()
        from bpfdoctor.cli import main
    except KeyboardInterrupt:
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
