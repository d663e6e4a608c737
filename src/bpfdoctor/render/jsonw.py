"""bpftool's streaming JSON writer, for byte-identical ``map dump`` text.

``bpftool map dump`` prints maps that have BTF through its json_writer in
pretty mode (tools/bpf/bpftool/json_writer.c): four spaces per level, a
newline before every object member name but none before array elements, so
``[{`` and ``},{`` join on one line and scalar arrays stay on one line.
This writer keeps the same state (depth, separator) and the same rules; it
writes the value trees of ``bpfdoctor.btf.valuefmt`` (``Obj``, lists,
``Raw`` tokens).  Pure.
"""

from __future__ import annotations

from bpfdoctor.btf.valuefmt import Obj, Raw

_ESC = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f", "\b": "\\b", "\\": "\\\\", '"': '\\"'}


def quote(text: str) -> str:
    """json_writer.c ``jsonw_puts``: C escapes only, other bytes as they are."""
    return '"' + "".join(_ESC.get(c, c) for c in text) + '"'


class JsonWriter:
    def __init__(self, pretty: bool = True) -> None:
        self.out: list[str] = []
        self.depth = 0
        self.pretty = pretty
        self.sep = ""

    def _eol(self) -> None:
        if self.pretty:
            self.out.append("\n" + "    " * self.depth)

    def _eor(self) -> None:
        if self.sep:
            self.out.append(self.sep)
        self.sep = ","

    def begin(self, c: str) -> None:
        self._eor()
        self.out.append(c)
        self.depth += 1
        self.sep = ""

    def end(self, c: str) -> None:
        self.depth -= 1
        if self.sep:
            self._eol()
        self.out.append(c)
        self.sep = ","

    def name(self, name: str) -> None:
        self._eor()
        self._eol()
        self.sep = ""
        self.out.append(quote(name) + (": " if self.pretty else ":"))

    def token(self, text: str) -> None:
        self._eor()
        self.out.append(text)

    def value(self, v) -> None:
        if isinstance(v, Obj):
            self.begin("{")
            for k, item in v.items:
                self.name(k)
                self.value(item)
            self.end("}")
        elif isinstance(v, list):
            self.begin("[")
            for item in v:
                self.value(item)
            self.end("]")
        elif isinstance(v, Raw):
            self.token(str(v))
        elif isinstance(v, bool):
            self.token("true" if v else "false")
        elif isinstance(v, str):
            self.token(quote(v))
        elif v is None:
            self.token("null")
        else:
            self.token(str(int(v)))

    def text(self) -> str:
        return "".join(self.out)
