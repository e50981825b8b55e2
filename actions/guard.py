"""Turns on the input checks of rasa_wing.action_guard for the action server that imports this package.

rasa-sdk builds its Sanic app (named "rasa_sdk") and then imports every module of the actions
package, so the app exists when this module runs. Outside an action server (unit tests, tools)
there is no such app and nothing happens. `install` is idempotent, so an entry point may also
call it explicitly.
"""
from sanic import Sanic
from sanic.exceptions import SanicException

from rasa_wing import action_guard

try:
    action_guard.install(Sanic.get_app("rasa_sdk"))
except SanicException:
    pass  # not inside an action server
