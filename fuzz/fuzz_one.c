/* libFuzzer driver for one target of fuzz/targets.h, named at build time
 * (-DFUZZ_TARGET=fuzz_state ...): mk/fuzz.mk builds build/fuzz/TARGET. */
#include "fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_TARGET(data, size);
	return 0;
}
