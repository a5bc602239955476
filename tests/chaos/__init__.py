"""The chaos suite: real server processes killed, stopped, locked, starved of disk, fuzzed.

`make test` runs a short version; `make chaos` (CHAOS_SCALE=full) runs the long one.
"""
