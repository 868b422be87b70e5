// libFuzzer's entry points, declared for Swift. Only a build with -sanitize=fuzzer links
// them (FuzzDriver refers to them under #if FUZZING only).
#ifndef CFUZZER_H
#define CFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// Defined by each fuzz program (the code under test, run once per input).
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/// libFuzzer's driver: parses its flags from argv and runs `callback` until done.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
