# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make run   — create the virtual environment, install, compile the catalogs, run Escale
#   make test  — the same set-up, then lint, format check, type check and tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PO := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test lint typecheck locales extract clean

run: $(STAMP) locales
	$(BIN)/python -m bot

test: $(STAMP) locales lint typecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy bot tests benchmarks

locales: $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Refresh the template and merge new strings into every catalog (for developers and translators).
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k n_:1,2 -k N_ --add-comments=Translators: \
		--sort-by-file --no-wrap -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-wrap --no-fuzzy-matching --ignore-obsolete

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

clean:
	rm -rf $(VENV) $(MO) .mypy_cache .ruff_cache .pytest_cache
