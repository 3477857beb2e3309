"""The ``hotline`` command (:mod:`cli.main`) and its sub-commands (:mod:`cli.commands`)."""
