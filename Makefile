# The README's two commands: `make run` (the demo: scripts/run-demo plays two working days of the
# bundled call centre against the emulator, in about four minutes) and `make test`.
.PHONY: deps build run test build-sanitize test-sanitize fuzz format clean

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

# libFuzzer on the parsers of what strangers send us (clang), 40 s each: the Wazzup webhook, the
# Bitrix24 outbound event and the form decoder under it. Inputs up to 128 KiB, so bracket keys
# reach the depth that once overflowed the stack (`data` and 50,000 `[]` in ~100 KB).
fuzz: deps
	@scripts/install-deps fuzz
	@CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREGLAMENT_FUZZ=ON -DREGLAMENT_TESTS=OFF -DREGLAMENT_WERROR=OFF >/dev/null
	@cmake --build build-fuzz --target wazzup_webhook_fuzz bitrix_event_fuzz form_fuzz
	@mkdir -p build-fuzz/corpus/wazzup build-fuzz/corpus/bitrix build-fuzz/corpus/form
	@build-fuzz/wazzup_webhook_fuzz -max_total_time=40 -max_len=65536 build-fuzz/corpus/wazzup tests/fuzz/corpus/wazzup
	@build-fuzz/bitrix_event_fuzz -max_total_time=40 -max_len=131072 build-fuzz/corpus/bitrix tests/fuzz/corpus/bitrix
	@build-fuzz/form_fuzz -max_total_time=40 -max_len=131072 -dict=tests/fuzz/form.dict build-fuzz/corpus/form tests/fuzz/corpus/form
