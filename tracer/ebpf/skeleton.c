// The C interface of skeleton.h over the generated skeleton.
#include "tracer/ebpf/skeleton.h"

#include <errno.h>

#include "culprit.skel.h"

struct culprit_bpf* culprit_skel_load(const struct culprit_skel_config* config,
                                      const char** stage) {
  *stage = "open";
  struct culprit_bpf* skel = culprit_bpf__open();
  if (skel == NULL) {
    return NULL;
  }
  skel->rodata->cfg_data_limit = config->data_limit;
  skel->rodata->cfg_at_fdcwd = config->at_fdcwd;
  skel->rodata->cfg_at_empty_path = config->at_empty_path;
  skel->rodata->cfg_sol_socket = config->sol_socket;
  skel->rodata->cfg_so_error = config->so_error;
  skel->rodata->cfg_wakeup_bytes = config->ring_bytes >= 8 * 4096 ? config->ring_bytes / 8 : 4096;
  int err = bpf_map__set_max_entries(skel->maps.events, (__u32)config->ring_bytes);
  if (err == 0) {
    *stage = "load";
    err = culprit_bpf__load(skel);
  }
  if (err != 0) {
    culprit_bpf__destroy(skel);
    errno = err < 0 ? -err : err;
    return NULL;
  }
  return skel;
}

int culprit_skel_attach(struct culprit_bpf* skel) { return culprit_bpf__attach(skel); }

void culprit_skel_detach(struct culprit_bpf* skel) { culprit_bpf__detach(skel); }

int culprit_skel_map_fd(struct culprit_bpf* skel, enum culprit_skel_map map) {
  switch (map) {
    case CULPRIT_MAP_TARGETS:
      return bpf_map__fd(skel->maps.targets);
    case CULPRIT_MAP_ROLES:
      return bpf_map__fd(skel->maps.roles);
    case CULPRIT_MAP_EVENTS:
      return bpf_map__fd(skel->maps.events);
    case CULPRIT_MAP_LOST:
      return bpf_map__fd(skel->maps.lost);
  }
  return -1;
}

void culprit_skel_destroy(struct culprit_bpf* skel) { culprit_bpf__destroy(skel); }
