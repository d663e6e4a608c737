"""``args.plain_parse`` gives what argparse gives, on every command, or defers to it."""

from __future__ import annotations

import random

import pytest

from bpfdoctor.cli import COMMANDS, load_command
from bpfdoctor.cli import args as cli


def _leaves(cmd, path):
    if isinstance(cmd, cli.Group):
        for name, sub in cmd.commands.items():
            yield from _leaves(sub, f"{path} {name}")
    else:
        yield path, cmd


def _commands():
    seen = set()
    for name in COMMANDS:
        for path, cmd in _leaves(load_command(name), f"bpfdoctor {name}"):
            if id(cmd) not in seen:
                seen.add(id(cmd))
                yield path, cmd


def _words(p: cli.Param, rng: random.Random) -> list[str]:
    """Values for ``p``: good ones mostly, some that its type refuses."""
    t = p.type
    if isinstance(t, cli.Choice):
        return [rng.choice(t.choices), "bogus"]
    if isinstance(t, cli._Range) or t in (int, float):
        lo = t.min if isinstance(t, cli._Range) and t.min is not None else 0
        return [str(lo), str(lo + 1), "x", "1e9"]
    if isinstance(t, cli.Path):
        return ["README.md", "tests", "/nonexistent"]
    return ["value", "a=b", "x y", "", "-"]


def _argv(cmd: cli.Command, rng: random.Random) -> list[str]:
    out: list[str] = []
    for p in cmd.params:
        if p.argument:
            n = p.nargs if p.nargs > 0 else rng.randint(0, 2)
            if not p.required and p.nargs == 1:
                n = rng.randint(0, 1)
            out += [rng.choice(_words(p, rng)) for _ in range(n)]
    for p in cmd.params:
        if p.argument or rng.random() < 0.5:
            continue
        for _ in range(rng.choice([1, 1, 2])):
            flag = rng.choice(p.flags + p.off_flags)
            if p.is_flag or p.count:
                out.insert(rng.randint(0, len(out)), flag + ("=1" if rng.random() < 0.05 else ""))
                continue
            value = rng.choice(_words(p, rng))
            if rng.random() < 0.2 and flag.startswith("--"):
                words = [f"{flag}={value}"]
            else:
                words = [flag, value if rng.random() > 0.05 else "-5"]
            at = rng.randint(0, len(out))
            out[at:at] = words
    r = rng.random()
    if r < 0.05:
        out.append("--")
    elif r < 0.1:
        out.append("--no-such-option")
    elif r < 0.15:
        out.append("extra")
    elif r < 0.18:
        out.insert(0, "-h")
    return out


def _argparse(path: str, cmd: cli.Command, argv: list[str]):
    try:
        ns = cmd.parser(path).parse_args(argv)
    except (cli.CliUsageError, SystemExit):
        return None
    return {p.dest: getattr(ns, p.dest) for p in cmd.params}


@pytest.mark.parametrize("path,cmd", list(_commands()), ids=lambda x: x if isinstance(x, str) else "")
def test_plain_lines_parse_as_argparse_parses_them(path, cmd, capsys):
    rng = random.Random(path)
    plain = 0
    for _ in range(150):
        argv = _argv(cmd, rng)
        got = cli.plain_parse(cmd.params, argv)
        if got is None:
            continue
        plain += 1
        assert got == _argparse(path, cmd, argv), argv
    capsys.readouterr()  # argparse's help, for -h lines it parsed
    assert plain, path


def test_what_is_left_to_argparse():
    cmd = load_command("load")
    for argv in (["-h"], ["x.o", "--help"], [], ["x.o", "y.o"], ["x.o", "--"], ["--log-level", "9", "x.o"],
                 ["--log-level=x", "x.o"], ["--program", "-x", "x.o"], ["--json=1", "x.o"], ["x.o", "--jso"],
                 ["-", "x.o"], ["tests", "--json"]):
        assert cli.plain_parse(cmd.params, argv) is None, argv
    got = cli.plain_parse(cmd.params, ["--program", "a", "x.o", "--program=b", "--json", "--log-level", "2"])
    assert got == {"obj": "x.o", "programs": ["a", "b"], "prog_type": None, "log_level": 2, "pin_dir": None,
                   "core_btf": None, "as_json": True, "show_log": False}
