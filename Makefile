# The README's two commands: `make run` (the daemon on its embedded default) and `make test`.
.PHONY: deps build run test build-sanitize test-sanitize format clean

BUILD_DIR := build

deps:
	@scripts/install-deps

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default

run: build
	@scripts/run-demo

test: build
	@ctest --preset default

build-sanitize: deps
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize

test-sanitize: build-sanitize
	@ctest --preset sanitize

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf build build-sanitize
