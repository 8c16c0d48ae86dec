# Agora's two everyday commands (see README.md):
#   make run   build in release and run the default scenario
#   make test  run every test
SWIFT ?= swift
SCENARIO ?= scenarios/quickstart.yaml

.PHONY: run test deps release debug bench fuzz format clean

deps:
	@bash scripts/install-deps.sh

release: deps
	$(SWIFT) build -c release --product agora

debug: deps
	$(SWIFT) build

run: release
	.build/release/agora run $(SCENARIO) --report

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest
	bash scripts/python-tests.sh
	bash scripts/examples-tests.sh
	bash scripts/tutorial-test.sh
	bash scripts/stylized-facts-test.sh
	python3 scripts/fuzz/corpus.py --quick

# The whole fuzz corpus (scripts/fuzz/corpus.py): 1,200 mutated scenarios, 240 damaged logs and checkpoints.
fuzz: debug
	python3 scripts/fuzz/corpus.py

bench: release
	.build/release/agora bench boltzmann
	.build/release/agora bench boltzmann --agents 10000000
	.build/release/agora bench sir_ba

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Sources Tests examples/Sources examples/Tests

clean:
	rm -rf .build examples/.build
