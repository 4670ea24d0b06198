"""Interfaces: notebook ``widgets`` and the Tk ``window`` (the CLI is ``__main__``); they import ``live`` and below."""
