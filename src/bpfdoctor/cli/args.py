"""Command declarations, parsed with argparse.

Commands are declared with decorators (``@command``, ``@group``,
``@argument``, ``@option``, ``@pass_state``) and parsed by ``argparse``.
Chosen on measured start-up (issue 12, ``bench/run.py``): importing click
costs about 50 ms (it pulls in inspect, typing, uuid, datetime, platform),
three times the interpreter's own start; argparse costs about 3 ms.  Only the
invoked command's parser is built, and only its module is imported.

Errors are raised as ``CliUsageError`` (message, command path, hint); the
caller (``bpfdoctor.cli.main``) prints them on one line with exit code 2.
"""

from __future__ import annotations

import os
import sys

# -- value types ------------------------------------------------------------------


class CliUsageError(Exception):
    """A usage error: ``message`` about the command ``path`` (``"elf sections"``)."""

    def __init__(self, message: str, path: str = "", hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.path, self.hint = message, path, hint


class _BadValue(ValueError):
    pass


class Path:
    """A file argument.  A directory where a file is wanted is reported at once
    (``PATH: is a directory, not a file``); whether the file exists is the
    command's business, so its error names the file and the problem."""

    def __init__(self, dir_okay: bool = True) -> None:
        self.dir_okay = dir_okay

    def __call__(self, value: str) -> str:
        if not self.dir_okay and os.path.isdir(value):
            raise _BadValue(f"{value}: is a directory, not a file")
        return value


class Choice:
    def __init__(self, choices: list[str]) -> None:
        self.choices = list(choices)

    def __call__(self, value: str) -> str:
        if value not in self.choices:
            import difflib

            near = difflib.get_close_matches(value, self.choices, n=1)
            tail = f"; did you mean {near[0]}?" if near else ""
            raise _BadValue(f"{value!r} is not one of {', '.join(self.choices)}{tail}")
        return value


class _Range:
    kind = int
    word = "an integer"

    def __init__(self, min=None, max=None) -> None:  # noqa: A002 - click's names
        self.min, self.max = min, max

    def __call__(self, value: str):
        try:
            v = self.kind(value)
        except ValueError:
            raise _BadValue(f"{value!r} is not {self.word}") from None
        if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
            if self.max is None:
                raise _BadValue(f"{value} is below {self.min}")
            if self.min is None:
                raise _BadValue(f"{value} is above {self.max}")
            raise _BadValue(f"{value} is not in {self.min}..{self.max}")
        return v


class IntRange(_Range):
    kind, word = int, "an integer"


class FloatRange(_Range):
    kind, word = float, "a number"


def _typed(kind):
    """argparse calls ``type(value)``; our messages go through ``_BadValue``."""
    if kind is None or kind is str:
        return None
    if kind is int:
        return IntRange()
    if kind is float:
        return FloatRange()
    return kind


# -- declarations -----------------------------------------------------------------


class Param:
    def __init__(self, decls: tuple[str, ...], *, argument: bool, type=None, default=None,  # noqa: A002
                 is_flag: bool = False, multiple: bool = False, count: bool = False, nargs: int = 1,
                 required: bool = False, metavar: str | None = None, help="",  # noqa: A002 - a str, or a callable that builds it
                 show_default: bool = False, hidden: bool = False, envvar: str | None = None) -> None:
        self.argument = argument
        flags = [d for d in decls if d.startswith("-")]
        names = [d for d in decls if not d.startswith("-")]
        self.negatable = any("/" in f for f in flags)
        self.flags, self.off_flags = [], []
        for f in flags:
            on, _, off = f.partition("/")
            self.flags.append(on)
            if off:
                self.off_flags.append(off)
        if names:
            self.dest = names[0]
        else:
            longest = max(self.flags, key=len)
            self.dest = longest.lstrip("-").replace("-", "_")
        self.type, self.default, self.is_flag = type, default, is_flag or self.negatable
        self.multiple, self.count, self.nargs, self.required = multiple, count, nargs, required
        self.metavar, self.help, self.show_default = metavar, help, show_default
        self.hidden, self.envvar = hidden, envvar

    @property
    def choices(self) -> list[str]:
        return self.type.choices if isinstance(self.type, Choice) else []

    def help_text(self) -> str:
        text = self.help() if callable(self.help) else self.help
        if self.show_default and self.default is not None:
            shown = ("--" + self.dest.replace("_", "-") if self.default is True and self.negatable
                     else self.default)
            text = f"{text} [default: {shown}]".strip()
        return text

    def add_to(self, ap) -> None:
        import argparse

        help_ = argparse.SUPPRESS if self.hidden else self.help_text().replace("%", "%%")
        if self.argument:
            nargs = {-1: "+" if self.required else "*", 1: None}.get(self.nargs, self.nargs)
            if nargs is None and not self.required:
                nargs = "?"
            ap.add_argument(self.dest, metavar=self.metavar or self.dest.upper(), nargs=nargs,
                            type=_typed(self.type), default=self.default, help=help_ or None)
            return
        default = self.default
        if self.envvar and os.environ.get(self.envvar):
            default = True if self.is_flag else os.environ[self.envvar]
        kw = dict(dest=self.dest, help=help_ or None)
        if self.negatable:
            ap.add_argument(*self.flags, action="store_const", const=True, default=default, **kw)
            ap.add_argument(*self.off_flags, action="store_const", const=False, dest=self.dest,
                            help=argparse.SUPPRESS)
        elif self.is_flag:
            ap.add_argument(*self.flags, action="store_true", default=bool(default), **kw)
        elif self.count:
            ap.add_argument(*self.flags, action="count", default=default or 0, **kw)
        else:
            metavar = self.metavar or ("{" + ",".join(self.choices) + "}" if self.choices else
                                       self.dest.upper())
            ap.add_argument(*self.flags, action="append" if self.multiple else "store", metavar=metavar,
                            type=_typed(self.type), default=default, required=self.required, **kw)

    def finish(self, value):
        if self.multiple or (self.argument and self.nargs != 1):
            return tuple(value or ())
        return value


def _params(fn) -> list[Param]:
    if not hasattr(fn, "__cli_params__"):
        fn.__cli_params__ = []
    return fn.__cli_params__


def option(*decls: str, **kw):
    def deco(fn):
        _params(fn).insert(0, Param(decls, argument=False, **kw))
        return fn
    return deco


def argument(name: str, **kw):
    kw.setdefault("required", kw.get("nargs", 1) not in (-1,))
    def deco(fn):
        _params(fn).insert(0, Param((name,), argument=True, **kw))
        return fn
    return deco


def pass_state(fn):
    """The callback gets the global ``State`` (colour, debug) first."""
    fn.__cli_state__ = True
    return fn


def _doc(fn) -> str:
    """``inspect.cleandoc`` without importing inspect (about 10 ms)."""
    lines = (fn.__doc__ or "").expandtabs().split("\n")
    rest = [ln for ln in lines[1:] if ln.strip()]
    indent = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    out = [lines[0].strip()] + [ln[indent:].rstrip() for ln in lines[1:]]
    return "\n".join(out).strip("\n")


class Command:
    def __init__(self, name: str, fn) -> None:
        self.name, self.fn = name, fn
        self.params: list[Param] = getattr(fn, "__cli_params__", [])

    @property
    def help(self) -> str:
        return _doc(self.fn)

    @property
    def short_help(self) -> str:
        first = self.help.split("\n\n")[0].replace("\n", " ")
        return first if len(first) <= 72 else first[:69].rsplit(" ", 1)[0] + "..."

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def parser(self, path: str):
        import argparse

        ap = _Parser(prog=path, description=self.help, allow_abbrev=False, formatter_class=_formatter)
        ap.path = path
        for p in self.params:
            p.add_to(ap)
        return ap

    def invoke(self, path: str, args: list[str], state):
        values = plain_parse(self.params, args)
        if values is None:
            ns = self.parser(path).parse_args(args)
            values = {p.dest: getattr(ns, p.dest) for p in self.params}
        return self.call(state, **{p.dest: p.finish(values[p.dest]) for p in self.params})

    def call(self, state, **values):
        """Run the command with these parameter values, the others at their
        defaults (for tests and the fuzz harness: no parsing)."""
        kwargs = {p.dest: p.finish(p.default) for p in self.params}
        kwargs.update(values)
        if getattr(self.fn, "__cli_state__", False):
            return self.fn(state, **kwargs)
        return self.fn(**kwargs)


class Group(Command):
    def __init__(self, name: str, fn) -> None:
        super().__init__(name, fn)
        self.commands: dict[str, Command] = {}

    def _register(self, kind, name: str | None):
        def deco(fn):
            sub = kind(name or fn.__name__, fn)
            self.commands[sub.name] = sub
            return sub
        return deco

    def command(self, name: str | None = None):
        return self._register(Command, name)

    def group(self, name: str | None = None):
        return self._register(Group, name)

    def usage(self, path: str) -> str:
        rows = [(n, c.short_help) for n, c in sorted(self.commands.items())]
        return format_usage(path, self.help, rows)

    def invoke(self, path: str, args: list[str], state):
        if not args or args[0] in ("-h", "--help"):
            sys.stdout.write(self.usage(path))
            if not args:
                raise CliUsageError("missing command", path, hint=f"see '{path} --help'")
            return 0
        word = args[0]
        sub = self.commands.get(word)
        if sub is None:
            raise CliUsageError(f"no such command '{word}'", path, hint=suggest_command(path, word,
                                                                                       list(self.commands)))
        return sub.invoke(f"{path} {word}", args[1:], state)


def command(name: str | None = None):
    def deco(fn):
        return Command(name or fn.__name__, fn)
    return deco


def group(name: str | None = None):
    def deco(fn):
        return Group(name or fn.__name__, fn)
    return deco


# -- parsing and messages ---------------------------------------------------------

class _NotPlain(Exception):
    """This command line is for argparse."""


def plain_parse(params: list[Param], args: list[str]) -> dict | None:
    """The values argparse gives for a plain command line, without argparse;
    None for any other line, which argparse then parses.

    Plain: the positional words fill the command's arguments in order (fixed
    counts, then optional ones, then at most one list, '*' or '+') and, unless every
    argument takes exactly one word, stand together; every word starting with '-' is a known option, whole (a long
    option's value may follow '='); an option's value is the next word and
    does not start with '-'.  Help, ``--``, option clusters, unknown options,
    missing or extra arguments, values a type refuses: argparse, and with it
    its messages.  Why: argparse brings re, gettext and locale, compiles six
    regular expressions and builds a parser, about half the interpreter's
    own start, for lines like ``load OBJ`` (issue 12).
    tests/cli/test_plain_parse.py compares both on every command."""
    try:
        return _plain_parse(params, args)
    except _NotPlain:
        return None


def _plain_parse(params: list[Param], args: list[str]) -> dict:
    options: dict[str, tuple[Param, bool]] = {}
    positional = []
    optional_seen = False
    for p in params:
        if p.argument:
            # Shapes argparse matches the same way whatever the split: fixed
            # counts first, then optional ones ('?'), then at most one '*'.
            if positional and positional[-1].nargs == -1:
                raise _NotPlain
            if p.required and optional_seen and p.nargs != -1:
                raise _NotPlain
            if not p.required and p.nargs not in (1, -1):
                raise _NotPlain
            optional_seen = optional_seen or not p.required
            positional.append(p)
        else:
            options.update({f: (p, True) for f in p.flags})
            options.update({f: (p, False) for f in p.off_flags})
    values: dict[str, object] = {}
    words = []
    runs = 0  # runs of positional words: argparse matches positionals run by run
    last = -2
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if not word.startswith("-") or word == "-":
            words.append(word)
            runs += last != i - 2
            last = i - 1
            continue
        name, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        p, on = options.get(name) or (None, True)
        if p is None:
            raise _NotPlain
        if p.negatable or p.is_flag or p.count:
            if eq:
                raise _NotPlain  # argparse: "ignored explicit argument"
            if p.negatable:
                values[p.dest] = on
            elif p.is_flag:
                values[p.dest] = True
            else:
                values[p.dest] = values.get(p.dest, _plain_default(p)) + 1
            continue
        if not eq:
            if i >= len(args) or args[i].startswith("-"):
                raise _NotPlain
            value = args[i]
            i += 1
        value = _plain_value(p, value)
        if p.multiple:
            values.setdefault(p.dest, []).append(value)
        else:
            values[p.dest] = value
    simple = all(p.required and p.nargs == 1 for p in positional)
    if not simple and runs > 1:
        raise _NotPlain  # a '?' or '*' may have matched nothing in an earlier run
    at = 0
    for p in positional:
        if p.nargs == -1:
            taken = words[at:]
            if p.required and not taken:
                raise _NotPlain
            values[p.dest] = [_plain_value(p, w) for w in taken] if taken else (
                [] if p.default is None else _plain_default(p))
        elif p.required:
            taken = words[at:at + p.nargs]
            if len(taken) < p.nargs:
                raise _NotPlain
            converted = [_plain_value(p, w) for w in taken]
            values[p.dest] = converted[0] if p.nargs == 1 else converted
        else:
            taken = words[at:at + 1]
            values[p.dest] = _plain_value(p, taken[0]) if taken else _plain_default(p)
        at += len(taken)
    if at != len(words):
        raise _NotPlain
    for p in params:
        if p.dest not in values:
            if p.required:
                raise _NotPlain
            values[p.dest] = _plain_default(p)
    return values


def _plain_default(p: Param):
    """A missing option's value, as ``Param.add_to`` tells argparse to make it."""
    default = p.default
    if p.envvar and os.environ.get(p.envvar):
        default = True if p.is_flag else os.environ[p.envvar]
    if p.negatable:
        return default
    if p.is_flag:
        return bool(default)
    if p.count:
        return default or 0
    if p.multiple and default is not None:
        raise _NotPlain
    if isinstance(default, str) and _typed(p.type) is not None:
        return _plain_value(p, default)  # argparse converts a string default
    return default


def _plain_value(p: Param, word: str):
    kind = _typed(p.type)
    if kind is None:
        return word
    try:
        return kind(word)
    except Exception:  # noqa: BLE001 - argparse words the error
        raise _NotPlain from None


def _formatter(prog: str):
    """argparse's help layout, told the width: left to itself, argparse makes
    a formatter for every ``add_argument`` and imports shutil (with bz2,
    lzma, fnmatch) to ask the terminal's width each time."""
    import argparse

    try:
        width = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.stdout.fileno()).columns
    except (ValueError, OSError, AttributeError):
        width = 80
    return argparse.RawDescriptionHelpFormatter(prog, width=max(width - 2, 20))

# bpftool's words for what bpfdoctor calls otherwise: (their word, ours).
BPFTOOL_VERBS = {"show": "list", "ls": "list"}


def suggest_command(path: str, word: str, names: list[str]) -> str | None:
    import difflib

    ours = BPFTOOL_VERBS.get(word)
    if ours in names:
        return f"bpftool's '{word}' is '{path} {ours}' here"
    near = difflib.get_close_matches(word, names, n=1)
    if near:
        return f"did you mean '{path} {near[0]}'?"
    return f"commands: {', '.join(names)}" if names else None


def format_usage(path: str, doc: str, rows: list[tuple[str, str]], options: list[tuple[str, str]] = ()) -> str:
    """A group's help: usage line, description, options, commands."""
    width = max((len(n) for n, _ in [*rows, *options]), default=0) + 2
    out = [f"usage: {path} [OPTIONS] COMMAND [ARGS]...", ""]
    if doc:
        out += [doc, ""]
    if options:
        out.append("options:")
        out += [f"  {n:<{width}}{h}" for n, h in options]
        out.append("")
    out.append("commands:")
    out += [f"  {n:<{width}}{h}" for n, h in rows]
    return "\n".join(out) + "\n"


def _parser_class():
    import argparse

    class Parser(argparse.ArgumentParser):
        path = ""

        def error(self, message: str):  # noqa: D401 - argparse's hook
            raise CliUsageError(_reword(message, self), self.path, _option_hint(message, self))

        def _get_value(self, action, arg_string):
            try:
                return super()._get_value(action, arg_string)
            except argparse.ArgumentError as e:
                cause = e.__context__
                if isinstance(cause, _BadValue):
                    where = "/".join(action.option_strings) or action.metavar or action.dest
                    if str(cause).startswith(f"{arg_string}: "):  # a file: its own one-line form
                        raise CliUsageError(str(cause), "") from None
                    raise CliUsageError(f"{where}: {cause}", self.path, f"see '{self.path} --help'") from None
                raise

    return Parser


_PARSER_CLASS = None


def _Parser(**kw):  # noqa: N802 - stands for the class
    """An instance of argparse's parser subclass, the class built on first use."""
    global _PARSER_CLASS
    if _PARSER_CLASS is None:
        _PARSER_CLASS = _parser_class()
    return _PARSER_CLASS(**kw)


def _reword(message: str, ap) -> str:
    if message.startswith("unrecognized arguments: "):
        extra = message.split(": ", 1)[1].split()
        opts = [w for w in extra if w.startswith("-")]
        if opts:
            return f"no such option '{opts[0]}'"
        return f"unexpected extra argument{'s' if len(extra) > 1 else ''} '{' '.join(extra)}'"
    if message.startswith("the following arguments are required: "):
        return f"missing argument {message.split(': ', 1)[1]}"
    return message


def _option_hint(message: str, ap) -> str | None:
    import difflib

    if message.startswith("unrecognized arguments: "):
        extra = message.split(": ", 1)[1].split()
        opts = [w for w in extra if w.startswith("-")]
        if opts:
            known = [s for a in ap._actions for s in a.option_strings]
            near = difflib.get_close_matches(opts[0].split("=")[0], known, n=1)
            if near:
                return f"did you mean '{near[0]}'?"
    return f"see '{ap.path} --help'"
