"""Shell completion, driven by ``_BPFDOCTOR_COMPLETE``.

    eval "$(_BPFDOCTOR_COMPLETE=bash_source bpfdoctor)"     # bash (zsh: zsh_source)
    _BPFDOCTOR_COMPLETE=fish_source bpfdoctor > ~/.config/fish/completions/bpfdoctor.fish

The sourced script calls ``bpfdoctor`` back with ``bash_complete`` (the words
in ``COMP_WORDS``, the index of the current one in ``COMP_CWORD``) or
``fish_complete`` (the command line so far in ``COMP_WORDS``); the answer is
one candidate per line: commands, subcommands, options, and the values of an
option that takes a fixed set.  Where no candidate applies (a file name),
nothing is printed and the shell completes file names.
"""

from __future__ import annotations

import os
import sys

from bpfdoctor.cli import args


def complete(mode: str) -> int:
    from bpfdoctor.cli import _GLOBAL_FLAGS, COMMANDS, load_command

    shell, _, action = mode.partition("_")
    if action == "source":
        if shell not in SHELL_SOURCE:
            sys.stderr.write(f"bpfdoctor: completion: unknown shell {shell!r} (bash, zsh, fish)\n")
            return 2
        sys.stdout.write(SHELL_SOURCE[shell])
        return 0
    line = os.environ.get("COMP_WORDS", "")
    words = line.split()
    if action == "complete" and shell == "fish":
        incomplete = "" if line.endswith(" ") or not words else words.pop()
    elif action == "complete":
        try:
            cword = int(os.environ.get("COMP_CWORD", len(words)))
        except ValueError:
            cword = len(words)
        cword = min(max(cword, 0), len(words))
        incomplete = words[cword] if cword < len(words) else ""
        words = words[:cword]
    else:
        sys.stderr.write(f"bpfdoctor: completion: unknown mode {mode!r}\n")
        return 2
    root = {name: (lambda n=name: load_command(n)) for name in COMMANDS}
    try:
        found = candidates(root, [w for w in words[1:] if w not in _GLOBAL_FLAGS], incomplete,
                           list(_GLOBAL_FLAGS))
    except Exception:  # noqa: BLE001 - a completion must never print a traceback into the shell
        return 0
    sys.stdout.write("".join(f"{w}\n" for w in found))
    return 0


def candidates(root: dict, words: list[str], incomplete: str,
               global_flags: list[str]) -> list[str]:
    """What may come next after ``words`` (the words typed so far, without the
    program name) when the current word starts with ``incomplete``."""
    out: list[str]
    positionals = [w for w in words if not w.startswith("-")]
    if not positionals:
        out = list(root) + (global_flags + ["--help", "--version"] if incomplete.startswith("-") else [])
        return [w for w in out if w.startswith(incomplete)]
    load = root.get(positionals[0])
    if load is None:
        return []
    cmd = load()
    for w in positionals[1:]:
        if not isinstance(cmd, args.Group):
            break
        cmd = cmd.commands.get(w, cmd)
    if isinstance(cmd, args.Group):
        return [n for n in sorted(cmd.commands) if n.startswith(incomplete)]
    if words:
        for p in cmd.params:
            if not p.argument and words[-1] in p.flags and p.choices:
                return [c for c in p.choices if c.startswith(incomplete)]
    if incomplete.startswith("-"):
        flags = [f for p in cmd.params if not p.hidden for f in (*p.flags, *p.off_flags)]
        return [f for f in [*flags, *global_flags, "--help"] if f.startswith(incomplete)]
    return []


SHELL_SOURCE = {
    "bash": """\
_bpfdoctor_completion() {
    local IFS=$'\\n'
    COMPREPLY=( $(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD _BPFDOCTOR_COMPLETE=bash_complete "$1" 2>/dev/null) )
}
complete -o default -F _bpfdoctor_completion bpfdoctor
""",
    "zsh": """\
autoload -U +X bashcompinit && bashcompinit
_bpfdoctor_completion() {
    local IFS=$'\\n'
    COMPREPLY=( $(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD _BPFDOCTOR_COMPLETE=bash_complete "$1" 2>/dev/null) )
}
complete -o default -F _bpfdoctor_completion bpfdoctor
""",
    "fish": """\
complete -c bpfdoctor -f -a "(env _BPFDOCTOR_COMPLETE=fish_complete COMP_WORDS=(commandline -cp) bpfdoctor 2>/dev/null)"
""",
}
