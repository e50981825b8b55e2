"""Tools that do not run in production: the load generator (`load`), the benchmark (`bench`), the crisis
vote's evaluation (`crisis_eval`), the held-out NLU report (`nlu_report`), the reply snapshot's renderer
(`reply_snapshot`), the supervision drill (`drill`), the demo web server (`webserver`), the bot started
on free ports for tests, load and benchmark (`botserver`), the scrubber's worst texts (`privacy_corpus`),
and the shell scripts behind `make run` and the set-up (`*.sh`)."""
