"""The analyst web console: server-rendered pages under ``/console`` inside ``counterspy serve``."""
