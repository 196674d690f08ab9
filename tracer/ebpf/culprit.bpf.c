// The kernel half of the eBPF backend (libbpf, CO-RE). For the thread groups in `targets` only:
// at syscall entry, the calls `roles` names get their arguments saved per thread (and execve its
// path strings); at exit, a record goes to the ring buffer when the call failed, changed state the
// analyzer needs (roles: EMIT_SUCCESS) or wrote data. Forks add the child to `targets`, exits
// remove a thread group whose last thread is gone. Nothing is ever stopped or waited for: a full
// ring buffer drops the record and counts it in `lost`.
// The kernel's types come first: everything else uses them.
// clang-format off
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "tracer/ebpf/culprit_abi.h"
// clang-format on

char LICENSE[] SEC("license") = "GPL";

// Set by userspace before load, from the host's headers.
const volatile __u32 cfg_data_limit = 256;  // -s: bytes of written data (<= CULPRIT_DATA_MAX)
const volatile __s32 cfg_at_fdcwd = -100;
const volatile __u32 cfg_at_empty_path = 0x1000;
const volatile __s32 cfg_sol_socket = 1;
const volatile __s32 cfg_so_error = 4;
// Records wake the reader only when this many bytes wait in the ring buffer (userspace reads it on
// a timer otherwise): a wake-up per record cost more CPU than everything else culprit does.
const volatile __u64 cfg_wakeup_bytes = 1 << 20;

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, CULPRIT_MAX_TARGETS);
  __type(key, __u32);  // tgid
  __type(value, __u8);
} targets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, CULPRIT_MAX_NR);
  __type(key, __u32);  // syscall number
  __type(value, struct culprit_role);
} roles SEC(".maps");

// A call between its entry and its exit, in the calling task's local storage: no allocation and
// no copy per call (a hash map keyed by tid allocated and copied the whole value at each entry).
struct call {
  __u32 active;  // set at entry, cleared at exit
  __u64 start_ns;
  __u64 args[6];
  __u32 nr;
  __u16 path_len[2];
  char paths[2 * CULPRIT_PATH_MAX];  // path 1 at 0, path 2 right after it
};

struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct call);
} calls SEC(".maps");

struct record_buf {
  struct culprit_record h;
  char payload[2 * CULPRIT_PATH_MAX + CULPRIT_DATA_MAX + CULPRIT_ARGV_MAX * CULPRIT_ARG_MAX];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct record_buf);
} record_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8 << 20);  // userspace may resize before load
} events SEC(".maps");

// Records dropped because the ring buffer was full, per CPU.
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} lost SEC(".maps");

// `v` = min(v, max), in a way the verifier sees on the register that is used afterwards.
#define CLAMP(v, max)           \
  do {                          \
    if ((v) > (max)) {          \
      (v) = (max);              \
    }                           \
    asm volatile("" : "+r"(v)); \
  } while (0)

static __always_inline void output(struct record_buf* rec, __u64 size, int urgent) {
  CLAMP(size, sizeof(*rec));
  // Only a record that takes the waiting bytes over a multiple of the mark wakes the reader: a
  // reader slower than the program for a while would otherwise get a wake-up (an interrupt) per
  // record, and one crossing missed by two CPUs writing at once is made good at the next mark.
  const __u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
  const int crosses = waiting / cfg_wakeup_bytes != (waiting + size) / cfg_wakeup_bytes;
  const __u64 flags = urgent || crosses ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
  if (bpf_ringbuf_output(&events, rec, size, flags) != 0) {
    __u32 zero = 0;
    __u64* count = bpf_map_lookup_elem(&lost, &zero);
    if (count) {
      *count += 1;
    }
  }
}

static __always_inline __u64 arg(const __u64* args, __s8 index) {
  if (index < 0 || index >= 6) {
    return 0;
  }
  return args[index];
}

// The syscall hooks are BTF-typed raw tracepoints (tp_btf): they need no tracefs mounted (a
// container or a machine without systemd often has none) and cost less than the classic
// tracepoints. Their arguments are the caller's saved user registers and the syscall number (at
// entry) or return value (at exit).
#if defined(__TARGET_ARCH_x86)
#define CULPRIT_SYSCALL_ARGS(regs, a) \
  do {                                \
    (a)[0] = (regs)->di;              \
    (a)[1] = (regs)->si;              \
    (a)[2] = (regs)->dx;              \
    (a)[3] = (regs)->r10;             \
    (a)[4] = (regs)->r8;              \
    (a)[5] = (regs)->r9;              \
  } while (0)
#elif defined(__TARGET_ARCH_arm64)
#define CULPRIT_SYSCALL_ARGS(regs, a) \
  do {                                \
    (a)[0] = (regs)->orig_x0;         \
    (a)[1] = (regs)->regs[1];         \
    (a)[2] = (regs)->regs[2];         \
    (a)[3] = (regs)->regs[3];         \
    (a)[4] = (regs)->regs[4];         \
    (a)[5] = (regs)->regs[5];         \
  } while (0)
#else
#error "culprit.bpf.c: no syscall argument registers for this architecture"
#endif

// execve's path arguments into the call's storage (path 1 at 0, path 2 right after it).
static __always_inline void save_paths(struct call* c, const struct culprit_role* role) {
  if (role->path[0] >= 0) {
    const long n = bpf_probe_read_user_str(c->paths, CULPRIT_PATH_MAX,
                                           (const void*)arg(c->args, role->path[0]));
    if (n > 0) {
      c->path_len[0] = (__u16)n;
    }
  }
  if (role->path[1] >= 0) {
    __u64 off = c->path_len[0];
    CLAMP(off, CULPRIT_PATH_MAX);
    const long n = bpf_probe_read_user_str(&c->paths[off], CULPRIT_PATH_MAX,
                                           (const void*)arg(c->args, role->path[1]));
    if (n > 0) {
      c->path_len[1] = (__u16)n;
    }
  }
}

SEC("tp_btf/sys_enter")
int BPF_PROG(culprit_enter, struct pt_regs* regs, long nr) {
  const __u64 id = bpf_get_current_pid_tgid();
  const __u32 tgid = id >> 32;
  if (!bpf_map_lookup_elem(&targets, &tgid)) {
    return 0;
  }
  if (nr < 0 || nr >= CULPRIT_MAX_NR) {
    return 0;
  }
  __u32 key = (__u32)nr;
  const struct culprit_role* role = bpf_map_lookup_elem(&roles, &key);
  if (!role || !(role->flags & CULPRIT_ROLE_PRESENT)) {
    return 0;
  }
  struct call* c =
      bpf_task_storage_get(&calls, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!c) {
    return 0;
  }
  c->active = 0;
  CULPRIT_SYSCALL_ARGS(regs, c->args);
  if (role->flags & CULPRIT_ROLE_FD_FORM) {
    // fstat() as libcs make it: newfstatat(fd, "", buf, AT_EMPTY_PATH); cannot fail on a path.
    const __s32 dirfd = (__s32)arg(c->args, role->dirfd);
    if ((arg(c->args, role->at_flags) & cfg_at_empty_path) && dirfd != cfg_at_fdcwd) {
      return 0;
    }
  }
  c->nr = key;
  c->start_ns = bpf_ktime_get_ns();
  c->path_len[0] = 0;
  c->path_len[1] = 0;
  // Paths are read at exit, and only for a call that is sent (most are not: a successful stat);
  // the memory is still the caller's then, and faulted in by the call. Not after a successful
  // execve, which replaced it: those are copied now.
  if (role->flags & CULPRIT_ROLE_EXEC) {
    save_paths(c, role);
  }
  c->active = 1;
  return 0;
}

// Path `k` of the call into the record at `off`: execve's copy made at entry, else read now from
// the caller's memory (which the call has faulted in: at entry a string in a page not yet touched,
// a child's first use of the program's read-only data after fork, could not be read, since a BPF
// program cannot fault). Returns the bytes written.
static __always_inline __u64 put_path(struct record_buf* rec, __u64 off, const struct call* c,
                                      int k, const struct culprit_role* role, int reread) {
  CLAMP(off, CULPRIT_PATH_MAX);
  __u64 len = c->path_len[k & 1];
  if (len > 0) {
    __u64 from = k == 0 ? 0 : c->path_len[0];
    CLAMP(from, CULPRIT_PATH_MAX);
    CLAMP(len, CULPRIT_PATH_MAX);
    if (bpf_probe_read_kernel(&rec->payload[off], len, &c->paths[from]) != 0) {
      return 0;
    }
    return len;
  }
  if (!reread || role->path[k & 1] < 0) {
    return 0;
  }
  const long n = bpf_probe_read_user_str(&rec->payload[off], CULPRIT_PATH_MAX,
                                         (const void*)arg(c->args, role->path[k & 1]));
  return n > 0 ? (__u64)n : 0;
}

// Up to `limit` bytes of `count` iovecs at `iov` into the record at `off`. Sizes are 64-bit
// throughout: a 32-bit size is checked on a zero-extended copy that the verifier cannot tie to
// the register passed on.
static __always_inline __u64 put_iovecs(struct record_buf* rec, __u64 off, __u64 iov, __u64 count,
                                        __u64 limit, __u64* total) {
  __u64 used = 0;
  for (int i = 0; i < CULPRIT_IOV_MAX; i++) {
    if ((__u64)i >= count) {
      break;
    }
    struct iovec v;
    if (bpf_probe_read_user(&v, sizeof(v), (const void*)(iov + i * sizeof(v))) != 0) {
      break;
    }
    *total += v.iov_len;
    if (used >= limit) {
      continue;
    }
    __u64 want = limit - used;
    if (v.iov_len < want) {
      want = v.iov_len;
    }
    __u64 at = off + used;
    CLAMP(at, 2 * CULPRIT_PATH_MAX);
    CLAMP(want, CULPRIT_DATA_MAX);
    if (bpf_probe_read_user(&rec->payload[at], want, v.iov_base) != 0) {
      break;
    }
    used += want;
  }
  return used;
}

static __always_inline void put_addr(struct record_buf* rec, __u64 addr, __u64 len) {
  if (addr == 0 || len == 0) {
    return;
  }
  CLAMP(len, CULPRIT_ADDR_MAX);
  if (bpf_probe_read_user(rec->h.addr, len, (const void*)addr) == 0) {
    rec->h.addr_len = (__u16)len;
  }
}

// The first CULPRIT_ARGV_MAX strings of argv `vec` into the record at `at0`, each cut at
// CULPRIT_ARG_MAX bytes. Returns the bytes written.
static __always_inline __u64 put_argv(struct record_buf* rec, __u64 at0, __u64 vec) {
  __u64 used = 0;
  for (int i = 0; i < CULPRIT_ARGV_MAX && vec != 0; i++) {
    __u64 ptr = 0;
    if (bpf_probe_read_user(&ptr, sizeof(ptr), (const void*)(vec + i * sizeof(ptr))) != 0 ||
        ptr == 0) {
      break;
    }
    __u64 at = at0 + used;
    CLAMP(at, 2 * CULPRIT_PATH_MAX + CULPRIT_DATA_MAX + (CULPRIT_ARGV_MAX - 1) * CULPRIT_ARG_MAX);
    const long n = bpf_probe_read_user_str(&rec->payload[at], CULPRIT_ARG_MAX, (const void*)ptr);
    if (n <= 0) {
      break;
    }
    used += (__u64)n;
    rec->h.argc += 1;
  }
  rec->h.argv_len = (__u16)used;
  return used;
}

// Which open file descriptor `fd` of the current task denotes: the struct file's address mixed
// with its inode number (a file freed and another allocated at the same address for the same fd
// would also need the same inode); 0 when there is none. The inode's number and mode go to
// `ino` and `mode`.
static __always_inline __u64 file_id(__s64 fd, __u64* ino, __u32* mode) {
  if (fd < 0) {
    return 0;
  }
  struct task_struct* task = bpf_get_current_task_btf();
  struct fdtable* fdt = BPF_CORE_READ(task, files, fdt);
  if (!fdt || (__u64)fd >= (__u64)BPF_CORE_READ(fdt, max_fds)) {
    return 0;
  }
  struct file** slots = BPF_CORE_READ(fdt, fd);
  struct file* f = 0;
  if (bpf_probe_read_kernel(&f, sizeof(f), &slots[fd]) != 0 || !f) {
    return 0;
  }
  struct inode* inode = BPF_CORE_READ(f, f_inode);
  const __u64 number = BPF_CORE_READ(inode, i_ino);
  *ino = number;
  *mode = BPF_CORE_READ(inode, i_mode);
  return ((__u64)f ^ (number * 0x9E3779B97F4A7C15ULL)) | 1;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(culprit_exit, struct pt_regs* regs, long ret) {
  struct call* c = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), 0, 0);
  if (!c || !c->active) {
    return 0;
  }
  c->active = 0;
  const __u64 id = bpf_get_current_pid_tgid();
  const __u32 tid = (__u32)id;
  __u32 key = c->nr;
  const struct culprit_role* role = bpf_map_lookup_elem(&roles, &key);
  __u32 zero = 0;
  struct record_buf* rec = bpf_map_lookup_elem(&record_scratch, &zero);
  if (!role || !rec) {
    return 0;
  }
  const int failed = ret < 0 && ret >= -4095;
  int emit = failed || (role->flags & CULPRIT_ROLE_EMIT_SUCCESS) || role->buffer >= 0 ||
             role->iovec >= 0 || role->msghdr >= 0;
  rec->h.aux = 0;
  rec->h.aux2 = 0;
  if (role->flags & CULPRIT_ROLE_SO_ERROR) {
    // getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len): a non-blocking connect's outcome.
    emit = 0;
    if ((__s32)c->args[1] == cfg_sol_socket && (__s32)c->args[2] == cfg_so_error) {
      __s32 value = 0;
      if (!failed) {
        bpf_probe_read_user(&value, sizeof(value), (const void*)c->args[3]);
      }
      rec->h.aux = (__u64)(__s64)value;
      emit = failed || value != 0;
    }
  }
  if (!emit) {
    return 0;
  }

  rec->h.type = CULPRIT_REC_SYSCALL;
  rec->h.tid = tid;
  rec->h.tgid = id >> 32;
  rec->h.nr = c->nr;
  rec->h.start_ns = c->start_ns;
  rec->h.end_ns = bpf_ktime_get_ns();
  rec->h.ret = ret;
  for (int i = 0; i < 6; i++) {
    rec->h.args[i] = c->args[i];
  }
  rec->h.file_id[0] = 0;
  rec->h.file_id[1] = 0;
  rec->h.fd_ino[0] = 0;
  rec->h.fd_ino[1] = 0;
  rec->h.fd_mode = 0;
  if (role->fd >= 0) {
    rec->h.file_id[0] = file_id((__s32)arg(c->args, role->fd), &rec->h.fd_ino[0], &rec->h.fd_mode);
  } else if ((role->flags & CULPRIT_ROLE_RETURNS_FD) && !failed) {
    rec->h.file_id[0] = file_id(ret, &rec->h.fd_ino[0], &rec->h.fd_mode);
  }
  if (role->dirfd >= 0) {
    const __s32 dirfd = (__s32)arg(c->args, role->dirfd);
    if (dirfd != cfg_at_fdcwd) {
      __u32 mode = 0;
      rec->h.file_id[1] = file_id(dirfd, &rec->h.fd_ino[1], &mode);
    }
  }
  rec->h.data_total = 0;
  rec->h.data_len = 0;
  rec->h.addr_len = 0;
  rec->h.argv_len = 0;
  rec->h.argc = 0;

  // A path that could not be read at entry (its page not faulted in yet: a child's first touch
  // of a string in the program's read-only data after fork) is read again now that the call has
  // faulted it in; not after a successful execve, which replaced the memory.
  const int reread = failed || !(role->flags & CULPRIT_ROLE_EXEC);
  const __u64 len0 = put_path(rec, 0, c, 0, role, reread);
  rec->h.path_len[0] = (__u16)len0;
  __u64 len1 = 0;
  if (role->path[1] >= 0) {
    len1 = put_path(rec, len0, c, 1, role, reread);
  }
  rec->h.path_len[1] = (__u16)len1;
  __u64 off = len0 + len1;
  CLAMP(off, 2 * CULPRIT_PATH_MAX);

  __u64 limit = cfg_data_limit;
  CLAMP(limit, CULPRIT_DATA_MAX);
  __u64 data = 0;
  if (role->buffer >= 0) {
    // write(fd, buf, count), sendto(fd, buf, len, ...): what was written, or asked to be.
    const __u64 count = arg(c->args, role->buffer + 1);
    __u64 want = ret > 0 ? (__u64)ret : count;
    if (want > count) {
      want = count;
    }
    rec->h.data_total = (__u32)count;
    if (want > limit) {
      want = limit;
    }
    CLAMP(want, CULPRIT_DATA_MAX);
    if (bpf_probe_read_user(&rec->payload[off], want, (const void*)arg(c->args, role->buffer)) ==
        0) {
      data = want;
    }
  } else if (role->iovec >= 0) {
    __u64 total = 0;
    data = put_iovecs(rec, off, arg(c->args, role->iovec), arg(c->args, role->iovec + 1), limit,
                      &total);
    rec->h.data_total = (__u32)total;
  } else if (role->msghdr >= 0) {
    struct user_msghdr msg;
    if (bpf_probe_read_user(&msg, sizeof(msg), (const void*)arg(c->args, role->msghdr)) == 0) {
      put_addr(rec, (__u64)msg.msg_name, (__u64)(__u32)msg.msg_namelen);
      __u64 total = 0;
      data = put_iovecs(rec, off, (__u64)msg.msg_iov, msg.msg_iovlen, limit, &total);
      rec->h.data_total = (__u32)total;
    }
  }
  rec->h.data_len = (__u16)data;
  if (role->sockaddr >= 0) {
    put_addr(rec, arg(c->args, role->sockaddr), arg(c->args, role->sockaddr + 1));
  }
  if (role->flags & CULPRIT_ROLE_OPEN_HOW) {
    struct open_how how;
    if (bpf_probe_read_user(&how, sizeof(how), (const void*)arg(c->args, role->open_how)) == 0) {
      rec->h.aux = how.flags;
      rec->h.aux2 = how.mode;
    }
  }
  __u64 argv = 0;
  if (failed && role->argv >= 0) {
    // The memory is the caller's still: a failed execve returned to it.
    __u64 at0 = off + data;
    CLAMP(at0, 2 * CULPRIT_PATH_MAX + CULPRIT_DATA_MAX);
    argv = put_argv(rec, at0, arg(c->args, role->argv));
  }
  output(rec, sizeof(rec->h) + off + data + argv, 0);
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(culprit_fork, struct task_struct* parent, struct task_struct* child) {
  __u32 ptgid = BPF_CORE_READ(parent, tgid);
  if (!bpf_map_lookup_elem(&targets, &ptgid)) {
    return 0;
  }
  __u32 ctgid = BPF_CORE_READ(child, tgid);
  __u32 ctid = BPF_CORE_READ(child, pid);
  if (ctgid != ptgid) {
    __u8 one = 1;
    bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY);
  }
  __u32 zero = 0;
  struct record_buf* rec = bpf_map_lookup_elem(&record_scratch, &zero);
  if (!rec) {
    return 0;
  }
  __builtin_memset(&rec->h, 0, sizeof(rec->h));
  rec->h.type = CULPRIT_REC_FORK;
  rec->h.tid = BPF_CORE_READ(parent, pid);
  rec->h.tgid = ptgid;
  rec->h.start_ns = bpf_ktime_get_ns();
  rec->h.aux = ctgid;
  rec->h.aux2 = ctid;
  output(rec, sizeof(rec->h), 0);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(culprit_pexit, struct task_struct* task) {
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (!bpf_map_lookup_elem(&targets, &tgid)) {
    return 0;
  }
  __u32 tid = BPF_CORE_READ(task, pid);
  const int last = BPF_CORE_READ(task, signal, live.counter) == 0;
  if (last) {
    bpf_map_delete_elem(&targets, &tgid);
  }
  __u32 zero = 0;
  struct record_buf* rec = bpf_map_lookup_elem(&record_scratch, &zero);
  if (!rec) {
    return 0;
  }
  __builtin_memset(&rec->h, 0, sizeof(rec->h));
  rec->h.type = CULPRIT_REC_EXIT;
  rec->h.tid = tid;
  rec->h.tgid = tgid;
  rec->h.start_ns = bpf_ktime_get_ns();
  rec->h.aux = (__u32)BPF_CORE_READ(task, exit_code);
  rec->h.aux2 = last;
  output(rec, sizeof(rec->h), last);  // the end of a target: seen at once
  return 0;
}
