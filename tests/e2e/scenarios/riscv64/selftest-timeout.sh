# lkvm-e2e recipe
# Harness self-test: the run timeout kills a program that never ends.
run 2 /init --hang
expect-timeout
