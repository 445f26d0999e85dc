/* libFuzzer target: the whole loader (parse, interpolate, merge, convert,
 * serialize) on one in-memory stack file. Build and run with `make fuzz`. */
#include "compose/compose.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct compose_opts opts = { .quiet = true, .working_dir = "/fuzz", .name = "fuzz" };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct stack *st = NULL;

	if (compose_load_buffer("fuzz.yml", (const char *)data, size, &opts, &st, &err) == 0) {
		compose_write_json(st, &out);
		compose_write_yaml(st, &out);
		for (size_t i = 0; i < st->nservices; i++)
			compose_service_json(st, &st->services[i], &out);
		stack_free(st);
	}
	sb_free(&err);
	sb_free(&out);
	return 0;
}
