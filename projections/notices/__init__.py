"""Notices to people: each one issued, to whom, about what, and whether the notification service delivered it."""
