# One command each: `make demo` (set up, score the demo submissions, build the site) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_VERSION ?= 2.13.0

.PHONY: setup demo test test-fast site clean mutation

$(BIN)/rexbench: pyproject.toml setup.py
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# Pin torch first: the CPU build; an unpinned torch may pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==$(TORCH_VERSION)
	# The light radiology extras (f1chexbert, radgraph: pure Python) so their adapters are tested;
	# ratescore's medspacy (pins numpy<2) and green (Python ==3.12.1) are not installed here (README):
	# the RaTEScore package itself declares no dependencies and runs in the tests with a stand-in splitter.
	$(BIN)/pip install -q -e ".[test,chexbert,radgraph]"
	$(BIN)/pip install -q --no-deps RaTEScore==0.6.0
	touch $@

setup: $(BIN)/rexbench
	$(BIN)/rexbench setup
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) \
	  || echo "note: chromium not installed; browser tests will be skipped"

demo: setup
	$(BIN)/rexbench demo

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

# Mutation testing of stats, predictions validation, the cache key and model hashing ([tool.mutmut] in
# pyproject.toml); minutes to an hour, not part of `make test`. Scores: benchmarks/results/mutation.md.
mutation: setup
	$(BIN)/pip install -q "mutmut==3.8.1"
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python benchmarks/mutation_summary.py

clean:
	rm -rf $(VENV) leaderboard_site/build .pytest_cache
