# Two commands for a newcomer: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-dev migrate run test lint i18n-extract clean

# `make run` installs only what running needs; the test and lint tools come with `make test`.
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP)

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	$(BIN)/alembic -c migrations/alembic.ini upgrade head

# PORT=5001 make run, HOST=0.0.0.0 make run (to reach it from a phone on the same network).
run: migrate
	$(FLASK) compile-translations
	$(FLASK) seed-demo
	$(FLASK) run --host $(HOST) --port $(PORT) --with-threads

# pytest exits with 5 when it collected no tests: that is a failure here, not a pass.
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: install-dev
	$(BIN)/ruff check .

# Refresh a package's English catalog after adding strings: make i18n-extract PKG=surveys
PKG ?= core
i18n-extract: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location -o $(PKG)/translations/messages.pot \
		$(PKG) $(if $(filter core,$(PKG)),templates/base.html templates/_macros.html templates/core templates/auth templates/admin templates/errors,templates/$(PKG))
	test -f $(PKG)/translations/en/LC_MESSAGES/messages.po \
		&& $(BIN)/pybabel update -i $(PKG)/translations/messages.pot -d $(PKG)/translations -l en --no-fuzzy-matching \
		|| $(BIN)/pybabel init -i $(PKG)/translations/messages.pot -d $(PKG)/translations -l en
	rm $(PKG)/translations/messages.pot

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
