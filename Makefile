# Stödlotsen. `make run` starts the bot; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
MODEL  := models/stodlotsen.tar.gz
STAMP  := $(VENV)/.installed

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

# What the trained model depends on. Crisis patterns and the catalogue are read at
# run time and need no retraining.
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) rasa_wing/components.py rasa_wing/policy.py bot/intent_model.py bot/semantic.py bot/text.py

.PHONY: help install run train test lint validate unit test-domain test-wing test-staff test-tools test-core test-nlu e2e clean \
	check forhandsvisa browser-test postgres-test purge load bench ovning rapport \
	cluster cluster-stop cluster-load cluster-test

help:
	@echo "make run    – installerar vid behov, tränar om data ändrats och startar boten (Ctrl-C stoppar)"
	@echo "make test   – installerar vid behov och kör alla kontroller"
	@echo "make train  – tränar modellen om träningsdata ändrats"
	@echo "make load   – lasttest: 200 samtal samtidigt × 10 meddelanden, latens och förlorade meddelanden"
	@echo "make bench  – mäter svarstider, genomströmning, minne, start- och träningstid och förståelse -> bench/REPORT.md"
	@echo "make ovning – övning: stoppar action-servern och Rasa under last (boten måste vara startad med make run)"
	@echo "make cluster – PostgreSQL, Redis, 2 Rasa-instanser och nginx på den här datorn (INSTANSER=3 …); make cluster-stop stoppar"
	@echo "make cluster-load – samma last genom 1 och 2 instanser, genomströmning och p95 -> results/cluster-load.json"
	@echo "make purge  – raderar sparade samtal äldre än lagringstiden (30 dagar)"
	@echo "make check  – kontrollerar resources.yml (se docs/katalog.md); KOMMUN=Söderhamn visar kommunens varningar, LANKAR=ja hämtar länkarna"
	@echo "make forhandsvisa BEHOV=child_bullying VEM=barn KOMMUN=Kungälv TID=\"lördag 22:00\" – visar svaret; utan BEHOV listas behoven"
	@echo "make rapport KOMMUN=Söderhamn FRAN=2026-W01 TILL=2026-W12 – lägesbilden i rapport/ (EXEMPEL=ja: påhittade tal)"

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@echo "== Skapar/uppdaterar $(VENV) (Python 3.10) =="
	@test -x $(PY) || "$$(tools/python310.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet --progress-bar off -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m pip check
	@touch $@

install: $(STAMP)

$(MODEL): $(TRAIN_INPUTS) requirements.txt | $(STAMP)
	@echo "== Tränar modellen (några minuter) =="
	@start=$$(date +%s); \
	$(RASA) train --fixed-model-name stodlotsen --out models --force && \
	touch $@ && echo "Träningen tog $$(( $$(date +%s) - start )) s"

train: $(MODEL)

run: $(MODEL)
	@tools/run.sh

# The resource catalogue: errors first, per municipality; one municipality's warnings with KOMMUN=Söderhamn (alla: all).
# Another file: make check KATALOG=prov.yml; LANKAR=ja also fetches every web address (python -m staff check PATH
# --links --kommun …). python -m staff check exits 1 on errors; make check then exits 0, so make prints no "Error 1"
# for staff, except with STRICT=1 (set by `make test`, and for scripts), which fails on errors.
KATALOG ?= resources.yml
export KATALOG
check: $(STAMP)
	@$(PY) -m staff check "$$KATALOG" $(if $(LANKAR),--links) --kommun "$$KOMMUN" || { rc=$$?; [ $$rc -eq 1 ] && [ -z "$(STRICT)" ] || exit $$rc; }

# What the bot answers, for staff (docs/katalog.md): make forhandsvisa BEHOV=… [VEM=…] [KOMMUN=…] [TID=…]
# [TEXT=…] [KATALOG=…]; without BEHOV the needs are listed. The values reach the command as environment variables,
# never as shell text.
export BEHOV VEM KOMMUN TID TEXT
forhandsvisa: $(STAMP)
	@if [ -z "$$BEHOV" ]; then $(PY) -m staff --katalog "$$KATALOG" behov; \
	else $(PY) -m staff --katalog "$$KATALOG" svar "$$BEHOV" --vem "$$VEM" --kommun "$$KOMMUN" --tid "$$TID" --text "$$TEXT"; fi

# The lägesbild for a safety coordinator (docs/drift.md, "Lägesbild"): rapport/lagesbild.html and .csv from the
# counters beside the tracker store (endpoints.yml). make rapport [KOMMUN=…] [FRAN=2026-W01] [TILL=2026-W12]
# [DATABAS=file] [UT=folder]; EXEMPEL=ja first writes a generated example database (made-up numbers) and reports on it.
UT ?= rapport
export FRAN TILL DATABAS EXEMPEL UT
rapport: $(STAMP)
	@if [ -n "$$EXEMPEL" ]; then $(PY) -m tools.example_counts "$$UT/exempel.db" || exit 1; DATABAS="$$UT/exempel.db"; fi; \
	$(PY) -m staff rapport --kommun "$$KOMMUN" --fran "$$FRAN" --till "$$TILL" --databas "$$DATABAS" --ut "$$UT"

# ruff; the layering (.importlinter): the domain in bot/ imports no Rasa, no wing, no actions, no staff
# tools, no tools; and the type gate: mypy on the domain at its defaults ([tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

validate: $(STAMP)
	$(RASA) data validate --fail-on-warnings

# The tests' folders mirror the house: tests/domain (bot/), tests/wing (rasa_wing/ and actions/), tests/staff
# (staff/), tests/tools (tools/); helpers in tests/support. The slow tiers have folders and targets of their own:
# tests/e2e (make e2e), tests/browser (make browser-test), tests/postgres (make postgres-test).
unit: $(STAMP)
	$(PY) -m pytest tests/domain tests/wing tests/staff tests/tools

test-domain test-wing test-staff test-tools: $(STAMP)
	$(PY) -m pytest tests/$(@:test-%=%)

test-core: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml --fail-on-prediction-errors --out results/core

test-nlu: $(MODEL)
	$(RASA) test nlu --model $(MODEL) --nlu tests/nlu_test.yml --out results/nlu
	$(PY) -m tools.nlu_report results/nlu/intent_report.json --min-accuracy 0.93
	$(PY) -m tools.crisis_eval --model $(MODEL) --min-recall 1.0 --max-idiom-alarms-per-50 1

e2e: $(MODEL)
	$(PY) -m pytest tests/e2e

# The chat widget in a real browser (Debian's chromium, axe-core from npm; both installed when
# missing by tools/system_deps.sh). Screenshots and axe reports: results/browser/.
browser-test: $(MODEL)
	@tools/system_deps.sh
	$(PY) -m pytest tests/browser -s

test: STRICT := 1
test: lint check validate unit postgres-test test-core test-nlu e2e browser-test cluster-test
	@echo "Alla kontroller gick igenom."

# The tracker store against a real PostgreSQL server (installed when missing, started in a
# temporary directory on a free port and removed afterwards).
postgres-test: $(STAMP)
	@tools/ensure_postgres.sh
	$(PY) -m pytest tests/postgres

# Several Rasa instances on this machine (tools/cluster.py, docs/drift.md "Flera instanser"): PostgreSQL, Redis
# and nginx from Debian (installed when missing by tools/ensure_cluster.sh), in a temporary directory on
# loopback. Returns once every part answers and prints the proxy's REST address; make cluster-stop stops all.
INSTANSER ?= 2
cluster: $(MODEL)
	@$(PY) -m tools.cluster start --instances $(INSTANSER) $(if $(CLUSTER_PORT),--port $(CLUSTER_PORT))

cluster-stop: $(STAMP)
	@$(PY) -m tools.cluster stop

# The same load (200 conversations × 10 messages) through 1 and through 2 instances, alternately, in one
# run: throughput, p95 and lost messages -> results/cluster-load.json (not part of make test).
cluster-load: $(MODEL)
	$(PY) -m tools.cluster load

# The cluster's tests (tests/cluster): one conversation over several instances, concurrent messages,
# the Redis locks, the shared rate limit, purging and hot reload, and the fault drills (an instance
# killed under load, Redis stopped, PostgreSQL restarted). Starts and stops its own clusters.
cluster-test: $(MODEL)
	@tools/ensure_cluster.sh
	$(PY) -m pytest tests/cluster

# 200 concurrent conversations × 10 messages on loopback: latency percentiles, throughput and lost
# messages (fails if any is lost). Uses the bot on localhost:5005 if it answers, else starts one;
# ADRESS=http://localhost:PORT/webhooks/rest/webhook sends it elsewhere (e.g. through make cluster's proxy).
# Latency, throughput, memory, start-up, training time and held-out NLU scores -> bench/
# (REPORT.md, results.json, latency.png). BENCH_ARGS=--skip-train reuses the last training time.
bench: $(MODEL)
	$(PY) -m tools.bench $(BENCH_ARGS)

load: $(MODEL)
	@mkdir -p results
	$(PY) -m tools.load --conversations 200 --messages 10 --json results/load.json $(if $(ADRESS),--url $(ADRESS))

# The supervision drill (docs/drift.md): with `make run` up, kill the action server and then Rasa
# under load; both must come back by themselves, and meanwhile every answer has 112 and Bris.
ovning: $(STAMP)
	$(PY) -m tools.drill

# Delete stored conversations older than the retention time (endpoints.yml, default 30 days).
purge: $(STAMP)
	$(PY) -m rasa_wing.purge

clean:
	rm -rf models results .pytest_cache stodlotsen.db .cluster
