"""The Rasa wing: everything that plugs Stödlotsen's domain (`bot`) into Rasa and rasa-sdk.

Pipeline components and the policy, the hot-path patches (`speedups`), the tracker and lock stores, the
action server and the channels (`channels/`). Whatever reaches into Rasa's private members checks first
that it runs on the Rasa it was written for (`compat`), and otherwise leaves Rasa as it is.
Only this wing and `actions/` import rasa, rasa_sdk or sanic; the domain imports nothing from here.
"""
