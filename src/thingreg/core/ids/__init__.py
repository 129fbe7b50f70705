"""Identifier schemes: parse, validate and normalise the numbers printed on devices.

One module per scheme family; :mod:`thingreg.core.ids.base` says what each provides.
"""
