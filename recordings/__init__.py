"""Call recordings: MixMonitor files taken from Asterisk's spool, post-processed with pydub,
archived with their call's identity, and listened to by QA staff only."""
