"""Data: FER2013 (``fer2013``), the drawn faces (``sample``), the tf.data ``pipeline``; imports only ``core``."""
