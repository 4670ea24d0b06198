"""emojify: a course library."""
