from __future__ import annotations

import errno

import pytest

from bpfdoctor.verifier import explain_errno
from bpfdoctor.verifier.errno import ENOTSUPP, ERRNOS

REQUIRED = [errno.EPERM, errno.EACCES, errno.EINVAL, errno.E2BIG, errno.ENOMEM, errno.ENOSPC,
            ENOTSUPP, errno.EFAULT, errno.ENOENT, errno.EBUSY]


@pytest.mark.parametrize("number", REQUIRED)
def test_required_errnos_have_causes(number):
    info = explain_errno(-number)
    assert info is not None and info.number == number
    assert info.causes("BPF_PROG_LOAD") and info.causes("BPF_MAP_CREATE")


def test_names_match_libc():
    for number, info in ERRNOS.items():
        if number != ENOTSUPP:  # EOPNOTSUPP == ENOTSUP on Linux; errorcode keeps one name
            assert getattr(errno, info.name) == number


def test_eperm_points_at_the_host_diagnosis():
    assert any("diagnose_eperm" in c for c in explain_errno(errno.EPERM).prog_load)


def test_unknown_errno():
    assert explain_errno(9999) is None
