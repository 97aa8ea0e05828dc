"""Subcommands of ``stridemon``: one module each (HELP, add_arguments, run)."""
