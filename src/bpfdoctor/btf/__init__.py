"""BTF and BTF.ext: readers, raw/C/JSON dumpers, type queries, CO-RE, BTF maps.

Pure code: everything takes bytes (and a ``path`` only for error messages).
Names are imported on first use (PEP 562): ``btf dump`` never needs the
record dataclasses, and their import is a visible share of its start-up.
"""

import sys

_HOME = {
    "FuncLinkage": "kinds", "IntEncoding": "kinds", "Kind": "kinds", "VarLinkage": "kinds",
    "Btf": "reader", "parse_btf": "reader",
    "ArrayInfo": "types", "BtfType": "types", "EnumValue": "types", "IntInfo": "types",
    "Member": "types", "Param": "types", "VarSecinfo": "types",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = f"{__name__}.{home}"
    __import__(module)  # not importlib.import_module: importlib imports warnings
    value = getattr(sys.modules[module], name)
    globals()[name] = value
    return value
