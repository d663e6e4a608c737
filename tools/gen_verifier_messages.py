#!/usr/bin/env python3
"""Generate src/bpfdoctor/verifier/messages_6_12.txt from the kernel source.

    python3 tools/gen_verifier_messages.py /path/to/linux/kernel/bpf [VERSION]

The data file is GENERATED: every format string the verifier prints with
``verbose(env, ...)`` in kernel/bpf/verifier.c and with ``bpf_log(log, ...)``
in kernel/bpf/btf.c (the func/arg checks and struct walks the verifier
calls), with the function that prints it and the errno of the path that
follows the message (``return -EINVAL;``, ``err = -EACCES; goto ...``).
Messages after which no error code is visible get ``?`` (the caller returns
it) or, for state dumps, precision tracking and statistics, ``log``; the test
of the catalog covers every message that is not ``log``.

kernel/bpf/log.c only prints states and source lines (its one rejection,
a bad log buffer in bpf_vlog_init, prints nothing), so it adds no message.

Get the source on Debian with ``apt-get install linux-source-6.12`` and
``tar -xJf /usr/src/linux-source-6.12.tar.xz --wildcards '*/kernel/bpf/*'``.
The kernel source is not part of bpfdoctor; only the messages (facts) are.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/bpfdoctor/verifier/messages_6_12.txt"

# (file, call pattern) -- the first argument is the log or env
CALLS = {
    # verifier_bug(env, fmt) (Linux 6.17+) prints "verifier bug: " fmt
    "verifier.c": re.compile(r"\b(?:verbose|(verifier_bug))\s*\(\s*env\s*,\s*"),
    "btf.c": re.compile(r"\bbpf_log\s*\(\s*log\s*,\s*"),
}
_FUNC = re.compile(r"^(?:static\s+|__\w+\s+|inline\s+|const\s+|struct\s+|enum\s+|unsigned\s+|\w+\s*\*?\s+)+\**"
                   r"(\w+)\s*\(", re.M)
_STR = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ERRNO = re.compile(r"(?:return\s+|(?:err|ret)\s*=\s*)-(E[A-Z0-9]+)\b")
_PROPAGATE = re.compile(r"return\s+(?:-?err|-?ret|-?error)\s*;|goto\s+\w+\s*;")
# Output that is not a rejection: states, precision tracking, statistics,
# subprogram notes (kernel/bpf/verifier.c prints them while verifying).
LOG_FUNCS = {"add_subprog_and_kfunc", "backtrack_insn", "mark_all_scalars_precise",
             "__mark_chain_precision", "prepare_func_exit", "propagate_precision",
             "do_check_subprogs", "print_verification_stats", "print_cand_cache",
             "mark_reg_known_zero", "mark_reg_unknown", "mark_reg_not_init"}
LOG_MESSAGES = re.compile(r"^(?:caller:|callee:|from %d to %d|%d: safe|Func#%d \('%s'\) is global"
                          r"|func '%s' arg%d has btf_id|marking pointer arg|frame%d bpf_loop iteration limit"
                          r"|cur state:|old state:|Validating %s\(\))")


def strip_comments(text: str) -> str:
    """Blank comments out, keeping offsets (line numbers stay right)."""
    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))
    return re.sub(r"/\*.*?\*/|//[^\n]*", blank, text, flags=re.S)


def functions(text: str) -> list[tuple[int, str]]:
    """(offset of the body's opening brace, name) of each top-level function."""
    out = []
    for m in re.finditer(r"^\{", text, re.M):
        head = text[max(0, m.start() - 600):m.start()]
        names = re.findall(r"^\S[^\n;]*?\b(\w+)\s*\(", head, re.M)
        if names:
            out.append((m.start(), names[-1]))
    return out


def literals(text: str, pos: int) -> tuple[str, int] | None:
    """The concatenated string literal starting at ``pos`` (None if it is not one)."""
    parts = []
    while True:
        ws = re.match(r"\s*", text[pos:])
        p = pos + ws.end()
        m = _STR.match(text, p)
        if not m:
            break
        parts.append(m.group(1))
        pos = m.end()
    if not parts:
        return None
    return "".join(parts), pos


def close_paren(text: str, pos: int) -> int:
    depth = 1
    while depth and pos < len(text):
        c = text[pos]
        if c == '"':
            pos = _STR.match(text, pos).end()
            continue
        depth += c == "("
        depth -= c == ")"
        pos += 1
    return pos


def block_after(text: str, pos: int) -> str:
    """The errno of the path after a message: up to the end of its block."""
    depth, end = 0, pos
    while end < len(text) and end < pos + 800:
        c = text[end]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                break
            depth -= 1
        end += 1
    return text[pos:end]


def errno_of(tail: str) -> str:
    m = _ERRNO.search(tail)
    if m:
        return m.group(1)
    if _PROPAGATE.search(tail):
        return "err"
    return "-"


def unescape(s: str) -> str:
    s = s.replace("\\n", "\n").replace('\\"', '"').replace("\\t", " ").replace("\\\\", "\\")
    return s


def extract(path: Path, call: re.Pattern[str]) -> list[tuple[str, str, str, str]]:
    text = strip_comments(path.read_text(errors="replace"))
    funcs = functions(text)
    out = []
    for m in call.finditer(text):
        lit = literals(text, m.end())
        if lit is None:
            continue
        fmt, after = lit
        if m.lastindex and m.group(1):
            fmt = "verifier bug: " + fmt + "\\n"
        end = close_paren(text, after)
        func = next((n for off, n in reversed(funcs) if off < m.start()), "?")
        tail = block_after(text, end)
        errno = errno_of(tail)
        # no newline and another message follows: this is the head or a middle
        # part of a line the next calls complete ("R1 type=" ... "expected=")
        nxt = call.search(tail)
        ret = re.search(r"\breturn\b", tail)
        part = not fmt.endswith("\\n") and nxt is not None and (ret is None or nxt.start() < ret.start())
        if func in LOG_FUNCS:
            errno = "log"
        for line in unescape(fmt).split("\n"):
            line = line.strip()
            if LOG_MESSAGES.match(line):
                errno = "log"
            elif errno == "-":
                errno = "?"
            if re.sub(r"%[-+ #0]*\d*(?:\.\d+)?(?:ll|l|z|h)?[a-zA-Z]|[^a-zA-Z]", "", line):
                out.append((func, errno, "part" if part else "line", line))
    return out


def main() -> None:
    src = Path(sys.argv[1])
    version = sys.argv[2] if len(sys.argv) > 2 else "6.12"
    rows = []
    for name, call in CALLS.items():
        for func, errno, kind, fmt in extract(src / name, call):
            rows.append((name, func, errno, kind, fmt))
    seen: set[tuple[str, ...]] = set()
    lines = [f"# Verifier messages of Linux {version}. GENERATED by tools/gen_verifier_messages.py",
             "# from kernel/bpf/verifier.c and kernel/bpf/btf.c; do not edit.",
             "# file<TAB>function<TAB>errno<TAB>kind<TAB>format",
             "# errno: E* returned on the path after the message; 'err' an error code propagated;",
             "# '?' the caller returns the error; 'log' not a rejection (states, precision, stats)",
             "# kind: 'line' a whole message; 'part' the start or middle of a line later calls finish"]
    for r in rows:
        if r not in seen:
            seen.add(r)
            lines.append("\t".join(r))
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{OUT}: {len(seen)} messages, {sum(1 for r in seen if r[2] != 'log')} reject a program")


if __name__ == "__main__":
    main()
