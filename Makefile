# viner: the two set-up commands of the README.
#   make demo   builds the corpus, trains vectors on it, converts the gold, trains, evaluates and prints the per-label table
#   make test   creates the environment(s) it needs, runs `make lint`, then the whole test suite
#   make lint   ruff (lint and format check) over the tree, mypy over src/viner (config in pyproject.toml)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.viner-installed
TEST_STAMP := $(VENV)/.viner-test-installed
export PYTHONUNBUFFERED := 1
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: install demo lint test test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $(STAMP)

# the tests also need the test tools and the optional extras they exercise (Ray for `viner predict --ray`)
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,ray]"
	touch $(TEST_STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/viner corpus build corpus/raw --output corpus/docs.jsonl
	$(BIN)/viner validate annotations/gold/
	$(BIN)/viner vectors corpus/raw --output corpus/vectors --config configs/ner.cfg
	$(BIN)/viner convert annotations/gold/ --output corpus/ --config configs/ner.cfg
	$(BIN)/python -m spacy train configs/ner.cfg --output training/
	$(BIN)/viner evaluate training/model-best corpus/test.spacy --output evaluate/reports/demo.json

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src/viner

test: lint
	$(BIN)/python -m pytest -q -ra

test-fast: lint
	$(BIN)/python -m pytest -q -ra -m "not slow and not doccano and not browser and not ray"

clean:
	rm -rf $(VENV) training/model-* corpus/*.spacy corpus/*.jsonl corpus/vectors
