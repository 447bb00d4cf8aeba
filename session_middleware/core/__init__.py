"""The sans-IO core: no I/O, no framework, no clock of its own. Everything that decides."""
