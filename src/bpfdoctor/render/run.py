"""Text for ``bpfdoctor prog run`` (pure)."""

from __future__ import annotations


def hexdump(data: bytes, width: int = 16, limit: int = 256) -> list[str]:
    """Offset, hex bytes, ASCII, ``limit`` bytes at most (the rest summarised)."""
    out = []
    for off in range(0, min(len(data), limit), width):
        chunk = data[off:off + width]
        text = "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in chunk)
        out.append(f"  {off:04x}: {chunk.hex(' '):<{width * 3 - 1}}  {text}")
    if len(data) > limit:
        out.append(f"  ... {len(data) - limit} more byte(s)")
    return out


def run_text(r) -> str:
    d = r.to_dict()
    name = f" = {r.retval_name}" if r.retval_name else ""
    lines = [f"{r.name or 'program'} ({d['type']}, id {r.prog_id}, from {r.source})",
             f"  return value  {d['retval']}{name}: {r.meaning}",
             f"  duration      {r.duration_ns} ns" + (f" average over {r.repeat} runs" if r.repeat > 1 else "")
             if r.timed else "  duration      not measured (the kernel runs this type once, untimed)"]
    if r.data_in or r.data_out:
        state = "changed by the program" if r.data_changed else "unchanged"
        lines.append(f"  data out      {len(r.data_out)} bytes (in: {len(r.data_in)}), {state}")
        if r.data_changed:
            lines += hexdump(r.data_out)
    if r.ctx_out:
        lines.append(f"  ctx out       {len(r.ctx_out)} bytes")
        lines += hexdump(r.ctx_out)
    return "\n".join(lines) + "\n"
