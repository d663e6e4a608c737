"""Checks that turn host facts and kernel probe results into findings.

- ``report.run_check(root="/", probe=True) -> CheckReport``
- ``fix.apply_fixes(report) -> tuple[FixAction, ...]``
- ``memlock_report.memlock_report(obj=None, root="/") -> MemlockReport``
- ``eperm.diagnose_eperm(errno, facts=None, accounting=None) -> list[Finding]``
- ``load_report.load_report(loaded_object, with_log) -> LoadReport`` (what ``load`` shows)
"""


def diagnose_eperm(errno, **kw):
    """See :func:`bpfdoctor.doctor.eperm.diagnose_eperm`."""
    from bpfdoctor.doctor.eperm import diagnose_eperm as _d

    return _d(errno, **kw)
