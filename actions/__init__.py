"""Rasa custom actions. Thin: read the tracker, ask `bot/`, send the answer."""
