"""The operators' side: admin API, export, figures, console and its live stream."""
