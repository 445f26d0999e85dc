/* Ingress ports of the routing mesh: taken cluster-wide (see sched.h). */
#include "sched/sched.h"

int sched_ingress_conflict(const struct sched_port *ports, const uint32_t *owner,
			   const unsigned char *ingress, size_t n, size_t *a, size_t *b)
{
	for (size_t j = 1; j < n; j++)
		for (size_t i = 0; i < j; i++) {
			if (ports[i].port != ports[j].port || ports[i].proto != ports[j].proto ||
			    owner[i] == owner[j] || !(ingress[i] || ingress[j]))
				continue;
			*a = i;
			*b = j;
			return 1;
		}
	return 0;
}
