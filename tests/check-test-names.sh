#!/bin/sh
# Fails, naming them, when test cases have a ';' in their name: Catch2's CMake discovery would
# split each into ctest entries that run nothing.
status=0
for binary in "$@"; do
    # Catch2 v2 exits with the number of tests listed: the output is what tells.
    names=$("$binary" --list-test-names-only)
    [ -n "$names" ] || { echo "cannot list the tests of $binary"; exit 1; }
    bad=$(printf '%s\n' "$names" | grep ';')
    if [ -n "$bad" ]; then
        echo "$binary: test names with ';' (ctest would not run them):"
        printf '%s\n' "$bad"
        status=1
    fi
done
exit $status
