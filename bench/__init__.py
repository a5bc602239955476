"""Load benchmark: durable survey steps per second against a bare WebSocket echo ceiling.

Run with `make bench` (or `python -m bench --help` for the options).
"""
