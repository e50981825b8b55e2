"""Rasa custom actions. Thin: read the tracker, ask `bot.conversation`, send the answer (`turn`)."""
