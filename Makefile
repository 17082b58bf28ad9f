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

# Mutation testing ([tool.mutmut] in pyproject.toml); about an hour on 2 cores, not part of `make test`.
# Scores and the surviving mutants: benchmarks/results/mutation.md. The scopes `make mutation` runs (mutmut names, fnmatch patterns): the significance code of stats.py, predictions
# validation, the cache key and model identity hashes, the metrics' corpus aggregation, the labeler's scope rules.
MUTATION_STATS = $(foreach f,_bca_levels _better _competition_ranks _jackknife_se _order _pair _permutation_diffs \
	_permutation_pvalue _resample_ranks _shift_pvalue _systems _t_pvalues holm paired_bootstrap paired_t_test \
	permutation_test rank_intervals rank_systems subgroup_table tie_groups age_band bootstrap_distribution,\
	'rexbench.stats.x_$(f)__mutmut_*') 'rexbench.stats.xǁPairwiseTestsǁ*' 'rexbench.stats.xǁ_Scoreǁjackknife*'
MUTATION_KEY = 'rexbench.cache.x_cache_key*' $(foreach f,score_key compute_cached combine_cached,'rexbench.scoring.x_$(f)__*') \
	$(foreach f,file_sha256 weights_sha256 weight_files config_files tokenizer_sha256 model_identity model_sha256,\
	'rexbench.models.x_$(f)__*')
MUTATION_AGGREGATION = 'rexbench.metric.x_mean_output*' 'rexbench.metric.xǁMetricǁaggregate*' \
	'rexbench.scoring.xǁMetricScoreǁcorpus_scores*' 'metrics.chexpert_f1.chexpert_f1.*' 'metrics.bleu.bleu.xǁBleuǁaggregate*' \
	'metrics.bleu.bleu.xǁBleuǁfrom_rows*'
MUTATION_LABELER = $(foreach f,_analyse_sentence _label_one sentences,'rexbench.labelers.chexpert.x_$(f)__*')
MUTATION_CHILDREN ?= 1
MUTATION_SCOPE = $(MUTATION_STATS) 'rexbench.predictions.*' 'rexbench.records.x_json_kind*' $(MUTATION_KEY) $(MUTATION_AGGREGATION) $(MUTATION_LABELER)

mutation: setup
	$(BIN)/pip install -q "mutmut==3.8.1"
	$(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTATION_SCOPE)
	$(BIN)/python benchmarks/mutation_summary.py $(MUTATION_SCOPE)

clean:
	rm -rf $(VENV) leaderboard_site/build .pytest_cache
