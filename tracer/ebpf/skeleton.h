// A C interface to the skeleton that `bpftool gen skeleton` writes at build time (culprit.skel.h,
// which embeds the compiled BPF object: the installed binary needs no compiler and no object
// file). The skeleton is C; only skeleton.c includes it.
#ifndef CULPRIT_TRACER_EBPF_SKELETON_H
#define CULPRIT_TRACER_EBPF_SKELETON_H

#ifdef __cplusplus
extern "C" {
#endif

struct culprit_bpf;

// Values the BPF program needs from the host's headers, and the ring buffer's size.
struct culprit_skel_config {
  unsigned data_limit;       // bytes of written data per call
  int at_fdcwd;              // AT_FDCWD
  unsigned at_empty_path;    // AT_EMPTY_PATH
  int sol_socket;            // SOL_SOCKET
  int so_error;              // SO_ERROR
  unsigned long ring_bytes;  // ring buffer size, a power of two multiple of the page size
};

// Opens the embedded object, applies `config` and loads it into the kernel. NULL on failure, with
// errno set and *stage naming the step ("open", "load").
struct culprit_bpf* culprit_skel_load(const struct culprit_skel_config* config, const char** stage);

// Attaches every program through BPF links owned by this process: they go when it does.
// 0 or a negative errno.
int culprit_skel_attach(struct culprit_bpf* skel);

// Detaches every program (closes the links); the maps stay readable until destroy.
void culprit_skel_detach(struct culprit_bpf* skel);

enum culprit_skel_map {
  CULPRIT_MAP_TARGETS,
  CULPRIT_MAP_ROLES,
  CULPRIT_MAP_EVENTS,
  CULPRIT_MAP_LOST
};
int culprit_skel_map_fd(struct culprit_bpf* skel, enum culprit_skel_map map);

// Detaches (closes the links) and unloads. NULL is allowed.
void culprit_skel_destroy(struct culprit_bpf* skel);

#ifdef __cplusplus
}
#endif

#endif  // CULPRIT_TRACER_EBPF_SKELETON_H
