/*
 * vmstat.c - the /proc names of the statistics items, from the tables in vmstat.h.
 */
#include "core/vmstat.h"

#define VMSTAT_NAME(e, s) s,
const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = { ZONE_STAT_ITEMS(VMSTAT_NAME) };
const char *const numa_stat_names[NR_VM_NUMA_EVENT_ITEMS] = { NUMA_STAT_ITEMS(VMSTAT_NAME) };
const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS] = { NODE_STAT_ITEMS(VMSTAT_NAME) };
const char *const vmstat_extra_names[NR_VMSTAT_EXTRA_ITEMS] = { VMSTAT_EXTRA_ITEMS(VMSTAT_NAME) };
const char *const vm_event_names[NR_VM_EVENT_ITEMS] = { VM_EVENT_ITEMS(VMSTAT_NAME) };
