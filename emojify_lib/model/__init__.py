"""Models: ``networks``, ``files``, ``reference``, ``training``, ``distributed``, ``evaluation``; imports data, core."""
