"""bpfdoctor.lazylog: logging is imported only when a record could be shown."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_debug_without_logging_imports_nothing():
    p = _run("import sys\nfrom bpfdoctor.lazylog import get_logger\nlog = get_logger('x')\n"
             "log.debug('d %s', 1); log.info('i')\nprint('logging' in sys.modules, log.isEnabledFor(10))")
    assert p.stdout.split() == ["False", "False"] and p.stderr == ""


def test_warnings_reach_the_last_resort_handler():
    p = _run("from bpfdoctor.lazylog import get_logger\nget_logger('x').warning('careful: %d', 3)")
    assert p.stderr == "careful: 3\n"


def test_configured_logging_gets_every_record():
    p = _run("import logging\nlogging.basicConfig(level=logging.DEBUG, format='%(name)s %(levelname)s %(message)s')\n"
             "from bpfdoctor.lazylog import get_logger\nlog = get_logger('bpfdoctor.t')\n"
             "log.debug('d %s', 1); log.info('i'); log.error('e')\nprint(log.isEnabledFor(logging.DEBUG))")
    assert p.stderr.splitlines() == ["bpfdoctor.t DEBUG d 1", "bpfdoctor.t INFO i", "bpfdoctor.t ERROR e"]
    assert p.stdout.strip() == "True"


def test_cli_debug_flag_shows_debug_records(bpf_kernel):
    """``--debug`` configures logging before the command runs, so the syscall
    layer's debug records (prog list ends its walk with ENOENT) are shown."""
    p = subprocess.run([sys.executable, "-m", "bpfdoctor", "--debug", "prog", "list"],
                       capture_output=True, text=True, timeout=120)
    plain = subprocess.run([sys.executable, "-m", "bpfdoctor", "prog", "list"],
                           capture_output=True, text=True, timeout=120)
    assert "bpfdoctor.kernel.syscall: bpf(PROG_GET_NEXT_ID" in p.stderr
    assert "bpfdoctor.kernel.syscall" not in plain.stderr
