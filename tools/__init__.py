"""Tools that do not run in production: the load generator (`load`) and the demo web server (`webserver`)."""
