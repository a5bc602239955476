"""The operators' commands of `python -m server`, one module per group of commands.

Each module has `register(commands)`, which adds its subcommands to the parser with
`set_defaults(run=...)`; `run(args)` returns the exit code.
"""
