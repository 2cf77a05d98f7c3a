# The two commands of the README: `make demo` and `make test`.
# Both set up what they need first (scripts/setup.sh): a virtualenv in .venv
# with the Python packages, and ExifTool + exiv2 from Debian when missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test setup benchmark clean-bags

demo: setup
	$(BIN)/packager bag collection --out bags --replace

test: setup
	$(BIN)/python -m pytest

setup:
	@PYTHON="$(PYTHON)" VENV="$(VENV)" bash scripts/setup.sh

# The benchmark (benchmarks/README.md); e.g. make benchmark ARGS="--small 300 --large 10 --scales 100,300".
benchmark: setup
	$(BIN)/python -m benchmarks $(ARGS)

clean-bags:
	find bags -mindepth 1 -maxdepth 1 ! -name README.md ! -name .gitkeep -exec rm -rf {} +
