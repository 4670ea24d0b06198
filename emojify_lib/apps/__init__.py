"""Interfaces: notebook ``widgets``, the Tk ``window``, the page servers (``serving`` for ``make app``, ``room``) (the CLI
is ``__main__``); they import ``live`` and below."""
