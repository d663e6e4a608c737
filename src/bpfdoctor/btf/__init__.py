"""BTF and BTF.ext: readers, raw/C/JSON dumpers, type queries, CO-RE, BTF maps.

Pure code: everything takes bytes (and a ``path`` only for error messages).
"""

from bpfdoctor.btf.kinds import FuncLinkage, IntEncoding, Kind, VarLinkage
from bpfdoctor.btf.reader import Btf, parse_btf
from bpfdoctor.btf.types import (ArrayInfo, BtfType, EnumValue, IntInfo, Member, Param,
                                 VarSecinfo)

__all__ = [
    "ArrayInfo", "Btf", "BtfType", "EnumValue", "FuncLinkage", "IntEncoding", "IntInfo", "Kind",
    "Member", "Param", "VarLinkage", "VarSecinfo", "parse_btf",
]
