"""The session state machine and the messages it speaks."""
