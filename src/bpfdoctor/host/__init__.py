"""Read-only views of the host.  Every reader takes ``root`` (default ``/``)
so tests point it at a fake ``/proc`` and ``/sys`` tree; none changes anything
(the one writer, :func:`limits.raise_memlock`, touches only this process)."""
