// Nothing to compile: the module only declares libFuzzer's functions (see CFuzzer.h).
#include "CFuzzer.h"
