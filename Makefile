# ServiceLoop — the two commands a newcomer needs are `make run` and `make test` (see README).
SHELL := /bin/bash
# `PORT=8080 make run` serves on another port (the printed link and PUBLIC_BASE_URL's default follow it).
PORT ?= 8000
export PORT
PY := .venv/bin/python
PIP := .venv/bin/pip
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: run test test-browser bench lint fmt setup assets messages fonts clean lock

# --- set-up (each step re-runs only when its inputs change) ---------------------------------------
# Python packages come from requirements.lock (exact versions and their hashes), so a fresh machine next month
# installs what the tests passed with; `make lock` regenerates it after a change to pyproject.toml.
.venv/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --require-hashes -r requirements.lock
	$(PIP) install -q --no-deps -e .
	touch $@

lock:
	test -x .venv/bin/uv || $(PIP) install -q uv
	.venv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu -o requirements.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Only the built files the pages use are served (compressing all of node_modules made collectstatic slow).
static/vendor/.copied: node_modules/.installed
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap/css static/vendor/bootstrap/js static/vendor/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* static/vendor/bootstrap/css/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* static/vendor/bootstrap/js/
	cp -r node_modules/bootstrap-icons/font static/vendor/bootstrap-icons
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
	touch $@

messages: .venv/.installed
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt)…"; apt-get -o DPkg::Lock::Timeout=600 install -y -q gettext >/dev/null || \
	  { apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null && apt-get -o DPkg::Lock::Timeout=600 install -y -q gettext >/dev/null; }; }
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# Chinese in PDFs (service cards): WeasyPrint embeds this font; without a CJK font every character is a box.
fonts:
	@fc-list | grep -qi wqy || { echo "Installing a Chinese font for PDFs (fonts-wqy-microhei)…"; \
	  apt-get install -y -q fonts-wqy-microhei >/dev/null || \
	  { apt-get update -q >/dev/null && apt-get install -y -q fonts-wqy-microhei >/dev/null; }; }

setup: .venv/.installed static/vendor/.copied messages fonts

# --- the two contract commands ---------------------------------------------------------------------
run: setup
	@set -e; \
	$(PY) manage.py migrate -v0; \
	$(PY) manage.py collectstatic --noinput -v0; \
	if [ ! -f .demo-loaded ]; then $(PY) manage.py demo && touch .demo-loaded; fi; \
	$(PY) manage.py demo --logins; \
	echo "ServiceLoop: http://127.0.0.1:$(PORT)/  (Ctrl+C stops the server, the job runner and the task worker)"; \
	trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py run_jobs & \
	$(PY) manage.py db_worker --interval 1 & \
	.venv/bin/gunicorn config.wsgi -w 2 -b 127.0.0.1:$(PORT) --access-logfile - --timeout 120

test: setup
	.venv/bin/pytest

test-browser: setup
	@test -x /usr/bin/chromium || { echo "Installing Debian's Chromium for browser tests…"; \
	  apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null && apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium >/dev/null; }
	DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/pytest -m browser -p no:cacheprovider -o addopts=""

bench: setup
	@export BENCH_SUMMARY=$$(mktemp); \
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done; \
	echo "== summary"; $(PY) bench/summary.py "$$BENCH_SUMMARY"; rm -f "$$BENCH_SUMMARY"

lint: .venv/.installed
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

fmt: .venv/.installed
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

clean:
	rm -rf .venv node_modules static/vendor staticfiles .demo-loaded db.sqlite3*
