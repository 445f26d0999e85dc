/* Baseline for bench/compose_bench.sh: read a file and pull every libyaml
 * event, doing nothing with them. */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv)
{
	FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
	yaml_parser_t p;
	yaml_event_t ev;
	long events = 0;
	int done = 0;

	if (!f)
		return 2;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev))
			return 1;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		events++;
	}
	yaml_parser_delete(&p);
	fclose(f);
	printf("%ld events\n", events);
	return 0;
}
