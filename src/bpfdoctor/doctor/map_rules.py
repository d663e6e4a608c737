"""Moved to the pure ``bpfdoctor.elf.map_rules`` (compat uses it offline);
kept so ``bpfdoctor.doctor.map_rules`` still imports."""

from bpfdoctor.elf.map_rules import MapShape, map_create_problems

__all__ = ["MapShape", "map_create_problems"]
