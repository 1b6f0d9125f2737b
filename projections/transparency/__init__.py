"""Transparency reports (DSA Art. 15 and 24): the facts of moderation, notices, complaints, suspensions and automated
means with their times, added up for any period at query time."""
