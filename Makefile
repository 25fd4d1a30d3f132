.PHONY: demo test lint bench

# Build the environment, generate demo data, import it, open http://127.0.0.1:8080
demo:
	bash scripts/demo.sh

# Install what the tests need and run the whole suite
test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check src tests benchmarks

bench:
	.venv/bin/python -m pip install --quiet -e ".[dev,bench]"
	.venv/bin/python benchmarks/run.py
