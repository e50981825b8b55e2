"""The Rasa wing: everything that plugs Stödlotsen's domain (`bot`) into Rasa and rasa-sdk.

Pipeline components and the policy, the hot-path patches (`speedups`, each refusing a Rasa version it
was not tested on), the tracker and lock stores, the action server and the channels (`channels/`).
Only this wing and `actions/` import rasa, rasa_sdk or sanic; the domain imports nothing from here.
"""
