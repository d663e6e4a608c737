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
_ESC_TABLE = str.maketrans(_ESC)


def quote(text: str) -> str:
    """json_writer.c ``jsonw_puts``: C escapes only, other bytes as they are."""
    return '"' + text.translate(_ESC_TABLE) + '"'


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
        """Write a value tree: the same text as begin/name/token/end would,
        with their steps inlined (a map dump writes one call's worth per
        member of every element)."""
        out = self.out
        if self.sep:
            out.append(self.sep)
        self._tree(v, out)
        self.sep = ","

    def _tree(self, v, out: list[str]) -> None:
        # on entry the separator before v is written; self.depth is v's level
        cls = v.__class__
        if cls is Obj:
            self.depth += 1
            sep = ""
            if self.pretty:
                pad = "\n" + "    " * self.depth
                colon = ": "
            else:
                pad, colon = "", ":"
            out.append("{")
            for k, item in v.items:
                out.append(sep + pad + '"' + k.translate(_ESC_TABLE) + '"' + colon)
                self._tree(item, out)
                sep = ","
            self.depth -= 1
            if sep and self.pretty:
                out.append("\n" + "    " * self.depth)
            out.append("}")
        elif cls is list:
            self.depth += 1
            out.append("[")
            sep = ""
            for item in v:
                if sep:
                    out.append(sep)
                self._tree(item, out)
                sep = ","
            self.depth -= 1
            if sep and self.pretty:
                out.append("\n" + "    " * self.depth)
            out.append("]")
        elif cls is Raw:
            out.append(str.__str__(v))
        elif cls is bool:
            out.append("true" if v else "false")
        elif cls is str:
            out.append('"' + v.translate(_ESC_TABLE) + '"')
        elif v is None:
            out.append("null")
        elif isinstance(v, Obj):  # subclasses: the general tests, as before
            self._tree(Obj(v.items), out)
        elif isinstance(v, list):
            self._tree(list(v), out)
        elif isinstance(v, Raw):
            out.append(str.__str__(v))
        elif isinstance(v, str):  # (bool cannot be subclassed: its test above is whole)
            out.append(quote(v))
        else:
            out.append(str(int(v)))

    def text(self) -> str:
        return "".join(self.out)
