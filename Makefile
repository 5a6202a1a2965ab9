# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install system-deps lint soak bench screenshots clean check-installed dist

$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests and the app need (PostgreSQL server, poppler, fonts, X libs).
system-deps:
	@bash scripts/system-deps.sh

run: $(STAMP)
	$(PY) main.py

test: $(STAMP) system-deps
	$(PY) -m ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

soak: $(STAMP) system-deps
	QT_QPA_PLATFORM=offscreen SOAK=1 $(PY) -m pytest -m soak

lint: $(STAMP)
	$(PY) -m ruff check .

# One table on a generated chain ledger (1,000,000 units, 500,000 sessions by default);
# a quick run: make bench BENCH_ARGS="--scale 50000,25000 --reps 2". Each bench_*.py also runs alone.
BENCH_ARGS ?=
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/run_all.py $(BENCH_ARGS)

# Every screen with demo data, as PNG files (offscreen): screenshots/1280x800 (a small
# laptop), screenshots/1024x768 (an old front-desk monitor) and screenshots/scale-150
# (150% display scaling, 1280x720 logical = 1920x1080). Each pass on its own demo copy.
SHOT_PASSES := 1280x800:1 1024x768:1 1280x720:1.5
screenshots: $(STAMP)
	rm -rf screenshots
	tmp=$$(mktemp -d) && \
	STERILE_LEDGER_HOME=$$tmp/demo $(PY) main.py demo && \
	status=0; for pass in $(SHOT_PASSES); do \
		size=$${pass%%:*}; scale=$${pass#*:}; \
		out=screenshots/$$size; [ "$$scale" = 1 ] || out=screenshots/scale-150; \
		rm -rf $$tmp/pass && cp -r $$tmp/demo $$tmp/pass && \
		STERILE_LEDGER_HOME=$$tmp/pass QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=$$scale \
			$(PY) scripts/screenshots.py $$out --size $$size || status=$$?; \
	done; rm -rf $$tmp; exit $$status

# The wheel and sdist as a clinic gets them: installed in a fresh environment and used.
check-installed: $(STAMP)
	$(PY) scripts/check_installed.py

# The one-folder bundle for a PC without Python (dist/sterile-ledger), then its smoke test.
dist: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --workpath build/pyinstaller \
		--distpath dist packaging/sterile-ledger.spec
	QT_QPA_PLATFORM=offscreen $(PY) scripts/check_installed.py --bundle dist/sterile-ledger

clean:
	rm -rf $(VENV) build dist *.egg-info
