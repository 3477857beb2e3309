"""Lookup actions a menu's ``lookup`` nodes can run, by name (:data:`ivr.actions.catalogue.ACTIONS`)."""
