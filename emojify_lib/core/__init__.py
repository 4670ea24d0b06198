"""Core: the class list (``emotions``), ``errors``, settings (``config``), ``images`` rules; imports no other part."""
