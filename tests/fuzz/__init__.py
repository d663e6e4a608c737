"""Coverage-guided fuzzing of every parser and CLI renderer (issue 13).

Layout:

* ``targets.py``   one target per parser entry point / CLI renderer, grouped in
  families (elf, isa, btf, verifier, jit); a target takes bytes and runs the
  code the CLI runs on a file with those bytes;
* ``contract.py``  what every input must satisfy: a result or a
  ``BpfDoctorError``, within a time proportional to its size, within a memory
  limit, with output the CLI can print on a strict UTF-8 stdout;
* ``mutators.py``  structure-aware mutations (ELF and section headers, symbols,
  relocations, BTF header / type records / vlen / string offsets, BTF.ext
  records, log lines with real shapes) mixed with libFuzzer's own;
* ``seeds.py``     seeds from the fixtures and real inputs;
* ``engine.py``    the campaign: atheris (libFuzzer, coverage-guided) when
  installed, a plain mutation loop otherwise;
* ``ledger.py`` / ``ledger.json``  every campaign's executions on the code
  it ran on, kept in the repository so a million can be reached over
  sittings on different machines;
* ``regressions/<target>/`` every input that ever failed; the normal test
  suite replays them (``test_regressions.py``) and runs a short campaign per
  target (``test_campaign.py``).

Run ``python -m tests.fuzz --help`` from the repository root.
"""
