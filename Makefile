# The course's commands. The first two are the ones the README starts with:
#   make course   set up the virtual environment (once) and open the course in JupyterLab
#   make test     run the whole test suite: helpers' unit tests and every notebook under nbval
# Everything is installed into ./.venv from requirements.lock (exact versions, with hashes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements.lock
# JupyterLab refuses to start as root unless told; containers and CI often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: course setup teach-setup book-setup vendor book slides guide guide-times wheelhouse offline-setup hub-setup hub-setup-if-npm test check-seeds lock verify-data notebooks student clean

course: setup
	$(BIN)/jupyter lab notebooks/ $(ROOT_FLAG)

setup: $(VENV)/.installed

$(VENV)/.installed: $(LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v[:2] == (3, 11) else f"The course needs Python 3.11; {sys.executable} is {v[0]}.{v[1]}. Run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

# Teacher tools on top of the course (browser tests, JupyterHub): same .venv, same shared versions.
teach-setup: $(VENV)/.teach-installed

$(VENV)/.teach-installed: $(VENV)/.installed tools/requirements-teach.lock
	$(BIN)/python -m pip install --disable-pip-version-check --require-hashes -r tools/requirements-teach.lock
	@touch $@

# The book's builder (jupyter-book 1) needs markdown-it-py 3 where the course has 4: its own venv.
BOOK_VENV := .venv-book
book-setup: $(BOOK_VENV)/.installed

$(BOOK_VENV)/.installed: tools/requirements-book.lock
	$(PYTHON) -m venv $(BOOK_VENV)
	$(BOOK_VENV)/bin/python -m pip install --disable-pip-version-check --require-hashes -r tools/requirements-book.lock
	@touch $@

# MathJax, Mermaid, reveal.js...: fetched once from the npm registry, checked by sha512 (tools/vendor.json).
vendor: setup
	$(BIN)/python -m tools.vendor

# The course as a static website that reads offline (jupyter-book 1, stored outputs, no CDN): tools/book.py.
book: setup book-setup vendor
	$(BIN)/python -m tools.book --out build/book
	@echo "Serve it: $(BIN)/python -m http.server -d build/book/_build/html 8000, then open http://localhost:8000"

# One offline reveal.js deck per chapter, from the cells tagged for slides (tools/slides.py).
slides: setup vendor
	$(BIN)/python -m tools.slides --out build/slides
	@echo "Serve it: $(BIN)/python -m http.server -d build/slides 8000, then open http://localhost:8000"

# The instructor's guide (docs/guide): regenerate its tables from the chapters, the recorded times and the checks.
guide: setup
	$(BIN)/python -m tools.guide

# After a full run of the notebooks (make test): record their times for the guide, then regenerate it.
guide-times: setup
	$(BIN)/python -m tools.guide --record

# A wheelhouse for an offline room: every locked package for this machine, or PLATFORM=win_amd64 / macosx_14_0_arm64.
PLATFORM ?=
wheelhouse:
	$(PYTHON) -m pip download --require-hashes --only-binary=:all: \
	    $(if $(PLATFORM),--platform $(PLATFORM) --python-version 3.11 --implementation cp --abi cp311) \
	    -r $(LOCK) -d wheelhouse/$(or $(PLATFORM),native)

# Install the course from a wheelhouse, offline.
WHEELS ?= wheelhouse/native
offline-setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --no-index --find-links $(WHEELS) --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(VENV)/.installed

# JupyterHub's proxy for serving the course to a room (docs/jupyterhub.md): Node.js >= 18 and npm.
hub-setup: tools/hub/node_modules/.package-lock.json

tools/hub/node_modules/.package-lock.json: tools/hub/package-lock.json
	npm ci --prefix tools/hub --no-audit --no-fund

# `make test` installs the proxy where npm exists; elsewhere the JupyterHub tests skip (CI fails instead).
hub-setup-if-npm:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory hub-setup; \
	else echo "npm not found: the JupyterHub tests will be skipped (see docs/jupyterhub.md)"; fi

test: setup teach-setup book-setup vendor hub-setup-if-npm
	$(BIN)/python -m pytest

# Do the notebooks' assertions hold for other seeds too? Outputs are not compared (--nbval-lax):
# with another seed the numbers differ, as they should; only a failing assertion fails.
SEEDS ?= 1 2 3
check-seeds: setup
	@for seed in $(SEEDS); do \
	    echo "== COURSE_SEED=$$seed"; \
	    COURSE_SEED=$$seed $(BIN)/python -m pytest notebooks -q -o addopts="" \
	        --nbval-lax --nbval-current-env -p no:cacheprovider || exit 1; \
	done

# Re-execute every notebook from a fresh kernel and store its outputs (see docs/making_a_chapter.md).
notebooks: setup
	$(BIN)/python -m helpers.notebooks execute notebooks/*.ipynb

# Student copies: each exercise's solution replaced by a stub (helpers/student.py); not committed.
student: setup
	$(BIN)/python -m helpers.student --out student

verify-data: setup
	$(BIN)/python -m helpers.data verify

# Refresh requirements.lock from the ranges in pyproject.toml (needs the network; review the diff).
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --disable-pip-version-check "pip-tools==7.6.2"
	.venv-lock/bin/pip-compile --quiet --extra course --strip-extras --generate-hashes --allow-unsafe \
	    --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml
	cd tools && for lock in teach book; do \
	    ../.venv-lock/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	        --no-emit-index-url --no-emit-find-links --output-file requirements-$$lock.lock requirements-$$lock.in || exit 1; \
	done
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) $(BOOK_VENV) .venv-lock .pytest_cache student .vendor tools/hub/node_modules
