# Front door for developers; the README's two commands are scripts/demo and scripts/test.
.PHONY: demo test test-slow build bench format
demo:      ; scripts/demo
test:      ; scripts/test
test-slow: ; scripts/test -L slow
build:     ; scripts/build release
bench: build
	taskset -c 0 build/release/src/orbit/orbit_propagation_bench
	taskset -c 0 build/release/src/orbit/orbit_visibility_bench
	taskset -c 0 build/release/src/zones/zones_index_bench
	taskset -c 0 build/release/src/verify/verify_bench
format:    ; clang-format -i $$(git ls-files '*.cc' '*.h')
