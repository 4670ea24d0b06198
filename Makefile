# The README's two commands:  `make course` (set up, open the lessons)  and  `make test` (set up, run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: course test app setup system-deps notebooks bench clean

course: $(STAMP)  ## set up .venv and open the course in JupyterLab (bundled sample data unless FER2013 is in data/)
	$(BIN)/jupyter lab notebooks/

app: $(STAMP)  ## the emoji camera as a page (Voilà, no code shown) on http://localhost:8866, using the browser's camera
	$(BIN)/voila app/emoji_camera.ipynb --port=8866 --Voila.ip=127.0.0.1

test: $(STAMP) system-deps  ## check the package's layering, then run the library tests and every notebook (nbval) in quick mode
	$(BIN)/lint-imports
	EMOJIFY_QUICK=1 TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m pytest tests notebooks

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

system-deps:  ## Chromium + ChromeDriver (browser test) and Xvfb (desktop-window test), from Debian
	bash .ci/install-system-deps.sh

notebooks: $(STAMP)  ## re-run every lesson in quick mode and store its outputs (deterministic metadata)
	$(BIN)/python tools/run_notebooks.py

bench: $(STAMP)  ## run the benchmarks and write benchmarks/results.md
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) models/*.keras models/*.json models/backup
