"""Renderers: values to text.  Pure; never reads the host."""
