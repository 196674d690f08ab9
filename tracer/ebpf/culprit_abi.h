// What the kernel half (culprit.bpf.c) and the user half (ebpf_source.cpp) of the eBPF backend
// share: the role of each syscall number (filled from the syscall table at load time) and the
// layout of the ring-buffer records. Plain C with fixed-width types, so that both compilers (clang
// -target bpf and the host's C++ compiler) lay the structs out the same way.
#ifndef CULPRIT_TRACER_EBPF_CULPRIT_ABI_H
#define CULPRIT_TRACER_EBPF_CULPRIT_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define CULPRIT_MAX_NR 1024       /* syscall numbers the role map covers */
#define CULPRIT_MAX_TARGETS 65536 /* traced thread groups */
#define CULPRIT_PATH_MAX 4096     /* bytes of one path, NUL included */
#define CULPRIT_DATA_MAX 4096     /* bytes of written data, whatever -s says */
#define CULPRIT_ADDR_MAX 112      /* bytes of a socket address (sockaddr_un is 110) */
#define CULPRIT_ARGV_MAX 8        /* execve argv strings kept */
#define CULPRIT_ARG_MAX 128       /* bytes of each, NUL included */
#define CULPRIT_IOV_MAX 8         /* iovecs of writev/sendmsg gathered */

/* culprit_role.flags */
#define CULPRIT_ROLE_PRESENT (1U << 0)      /* the call is looked at */
#define CULPRIT_ROLE_EMIT_SUCCESS (1U << 1) /* a success changes state: emitted too */
#define CULPRIT_ROLE_FD_FORM (1U << 2)      /* AT_EMPTY_PATH on a real dirfd: fstat(), skipped */
#define CULPRIT_ROLE_SO_ERROR (1U << 3)     /* getsockopt: only SOL_SOCKET/SO_ERROR, value read */
#define CULPRIT_ROLE_OPEN_HOW (1U << 4)     /* openat2: flags and mode read from struct open_how */
#define CULPRIT_ROLE_EXEC (1U << 5)         /* execve: a success replaces the caller's memory */
#define CULPRIT_ROLE_RETURNS_FD (1U << 6)   /* a success returns a new fd: its file_id is kept */

/* How a call's arguments are read; -1: no such argument. */
struct culprit_role {
  __u8 flags;
  __s8 path[2];  /* NUL-terminated path arguments, copied at entry */
  __s8 dirfd;    /* FD_FORM: the dirfd of the first path */
  __s8 at_flags; /* FD_FORM: the AT_* flags argument */
  __s8 buffer;   /* data written; its length is the next argument (or the return value) */
  __s8 iovec;    /* struct iovec * written; its count is the next argument */
  __s8 msghdr;   /* struct user_msghdr * sent (address and iovecs) */
  __s8 sockaddr; /* struct sockaddr *; its length is the next argument */
  __s8 open_how; /* struct open_how * */
  __s8 argv;     /* char *const argv[] of execve: read at exit when the call failed */
  __s8 fd;       /* the fd the call works on: its file_id is kept */
  __u8 pad[4];
};

enum culprit_record_type {
  CULPRIT_REC_SYSCALL = 1, /* a call that failed, changed state or wrote data */
  CULPRIT_REC_FORK = 2,    /* tid created a process (aux = its tgid) or a thread (aux2 = tid) */
  CULPRIT_REC_EXIT = 3,    /* tid exited: aux = exit code as wait(2) encodes it, aux2 = last */
};

/* A ring-buffer record: the header, then path 1 (path_len[0] bytes, NUL included), path 2,
 * then the data written (data_len bytes), then a failed execve's argv (argv_len bytes). */
struct culprit_record {
  __u32 type;
  __u32 tid;
  __u32 tgid;
  __u32 nr;
  __u64 start_ns; /* CLOCK_MONOTONIC: the call's entry (fork, exit: the event) */
  __u64 end_ns;   /* CLOCK_MONOTONIC: the call's exit */
  __s64 ret;
  __u64 args[6];
  __u64 aux;  /* openat2: flags; SO_ERROR: the value; fork: child tgid; exit: status */
  __u64 aux2; /* openat2: mode; fork: child tid; exit: 1 when the thread group is gone */
  /* Which open file an fd denotes (0: unknown), so that userspace can keep the fd's path from
   * one call to the next without missing a dup2 or close_range it does not see: [0] the fd
   * argument, or the fd a successful call returned; [1] the dirfd of the first path. */
  __u64 file_id[2];
  __u64 fd_ino[2]; /* the inode numbers of file_id's files, when known */
  __u32 fd_mode;   /* the mode (type) of file_id[0]'s inode */
  __u32 pad;
  __u32 data_total; /* bytes the call was asked to write (data is the first data_len of them) */
  __u16 path_len[2];
  __u16 data_len;
  __u16 addr_len;
  __u16 argv_len; /* bytes of argv strings (each with its NUL) after the data */
  __u16 argc;     /* strings among them */
  __u8 addr[CULPRIT_ADDR_MAX];
};

#endif /* CULPRIT_TRACER_EBPF_CULPRIT_ABI_H */
