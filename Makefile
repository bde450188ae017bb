# Two entry points (see README): `make report` and `make test`.
# Both create .venv from the pinned lock (requirements-lock.txt) and re-use it on re-run.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements-lock.txt
STAMP := $(VENV)/.installed
OUT ?= out
# Every direct and transitive dependency, pinned for CPython 3.11 on Linux x86-64.
LOCK_FLAGS := --extra test --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--no-header --annotation-style line

.PHONY: report test test-fast bench clean data notebooks lock

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# The demo network: the total and its four hubs (per-hub staffing, the network split).
report: $(STAMP)
	$(BIN)/forecast run --network --out $(OUT)

# Everything: unit, property and doctests, the notebooks under strict nbval, `forecast run`;
# on two worker processes (a notebook's cells stay together, in order, on one of them).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The quick lane for a change: no slow tests, no notebooks, no end-to-end run.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow" tests forecast

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Refresh the lock from pyproject.toml's ranges (newest versions that satisfy them).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --upgrade -o $(LOCK)

# Re-execute the committed notebooks in place (after changing what they show), from an empty
# plan cache; cell metadata other than tags (e.g. execution timestamps) is cleared so that
# diffs stay small.
notebooks: $(STAMP)
	cd notebooks && FORECAST_CACHE_DIR=$$(mktemp -d) ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ClearMetadataPreprocessor.enabled=True \
		--ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags \
		--ClearMetadataPreprocessor.preserve_nb_metadata_mask='[("kernelspec"), ("language_info")]' \
		*.ipynb

data: $(STAMP)
	$(BIN)/python -m forecast.synthetic data/demo_parcels.csv

clean:
	rm -rf $(VENV) $(OUT)
