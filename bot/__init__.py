"""Stödlotsen domain logic: catalogue, routing, hours, crisis detection, replies.

Nothing in this package imports Rasa except the modules that plug into it
(`bot.rasa_components`); the rest is plain Python and tested in milliseconds.
"""
