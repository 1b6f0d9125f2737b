"""Appeals: every appeal with its status, and the queue of pending ones."""
