# Two entry points (see README): `make report` and `make test`.
# Both create .venv themselves and re-use it on re-run.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= out

.PHONY: report test bench clean data notebooks

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/forecast run --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Re-execute the committed notebooks in place (after changing what they show); cell
# metadata other than tags (e.g. execution timestamps) is cleared so that diffs stay small.
notebooks: $(STAMP)
	rm -rf .cache
	cd notebooks && ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ClearMetadataPreprocessor.enabled=True \
		--ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags \
		--ClearMetadataPreprocessor.preserve_nb_metadata_mask='[("kernelspec"), ("language_info")]' \
		*.ipynb

data: $(STAMP)
	$(BIN)/python -m forecast.synthetic data/demo_parcels.csv

clean:
	rm -rf $(VENV) $(OUT)
