"""Stödlotsen's domain: the conversation, catalogue, routing, replies, hours, crisis, audience,
municipality, privacy.

Plain Python, no Rasa: every module here is tested in milliseconds. What plugs into Rasa lives in
`rasa_wing` (a wing of its own, the only place that imports rasa, rasa_sdk or sanic); tools that do
not run in production live in `tools/`. `make lint` enforces this with import-linter (`.importlinter`).
"""
