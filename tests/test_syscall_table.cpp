// Guards the syscall table the way ccache guards its option table: structural invariants, and
// agreement with libseccomp, which owns the names and numbers.
#include <seccomp.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <string>

#include "tracer/model/errno_names.h"
#include "tracer/model/syscall_table.h"

using namespace culprit::tracer;

namespace {

std::string name_of(std::uint32_t arch, int number) {
  char* name = seccomp_syscall_resolve_num_arch(arch, number);
  std::string out = name == nullptr ? std::string() : std::string(name);
  std::free(name);  // libseccomp hands out malloc'ed names
  return out;
}

// Every syscall name libseccomp knows on x86-64, i386 and aarch64 (numbers are dense enough that
// scanning 0..1023 finds them all).
std::set<std::string> libseccomp_names() {
  std::set<std::string> names;
  const std::array<std::uint32_t, 3> arches{SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_AARCH64};
  for (const std::uint32_t arch : arches) {
    for (int n = 0; n < 1024; ++n) {
      if (std::string name = name_of(arch, n); !name.empty()) {
        names.insert(std::move(name));
      }
    }
  }
  return names;
}

bool has_arg(const SyscallInfo& info, ArgType t) {
  for (const ArgType a : info.args) {
    if (a == t) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("syscall table rows are sorted by name and unique") {
  const auto rows = all_syscalls();
  REQUIRE(rows.size() > 50);
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO(rows[i].name);
    CHECK(seen.insert(rows[i].name).second);
    if (i > 0) {
      CHECK(rows[i - 1].name < rows[i].name);
    }
  }
}

TEST_CASE("argument and path indices are in range and typed") {
  for (const SyscallInfo& info : all_syscalls()) {
    INFO(info.name);
    const int n = info.arg_count();
    // No argument after the first None.
    for (int i = n; i < 6; ++i) {
      CHECK(info.args[static_cast<std::size_t>(i)] == ArgType::None);
    }
    for (const PathArg& p : info.paths) {
      if (p.path < 0) {
        CHECK(p.dirfd == -1);
        continue;
      }
      REQUIRE(p.path < n);
      CHECK(info.args[static_cast<std::size_t>(p.path)] == ArgType::Path);
      if (p.dirfd >= 0) {
        REQUIRE(p.dirfd < n);
        CHECK(info.args[static_cast<std::size_t>(p.dirfd)] == ArgType::DirFd);
      }
    }
    // Used pairs come first.
    if (info.paths[0].path < 0) {
      CHECK(info.paths[1].path < 0);
    }
    const int fd = info.fd_arg();
    if (fd >= 0) {
      CHECK(info.args[static_cast<std::size_t>(fd)] == ArgType::Fd);
    }
  }
}

TEST_CASE("every Path argument has a paths pair and every DirFd is used by one") {
  for (const SyscallInfo& info : all_syscalls()) {
    INFO(info.name);
    for (int i = 0; i < info.arg_count(); ++i) {
      const ArgType t = info.args[static_cast<std::size_t>(i)];
      bool covered = false;
      for (const PathArg& p : info.paths) {
        covered =
            covered || (t == ArgType::Path && p.path == i) || (t == ArgType::DirFd && p.dirfd == i);
      }
      if (t == ArgType::Path || t == ArgType::DirFd) {
        CHECK(covered);
      }
    }
  }
}

TEST_CASE("every row resolves on x86-64, or is a 32-bit name that resolves on i386") {
  for (const SyscallInfo& info : all_syscalls()) {
    const std::string name(info.name);
    INFO(name);
    const int x86_64 = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name.c_str());
    if (x86_64 >= 0) {
      CHECK(name_of(SCMP_ARCH_X86_64, x86_64) == name);
    } else {
      // fstatat64/stat64/lstat64: only 32-bit ABIs have them; strace prints them from i386 logs.
      CHECK(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name.c_str()) >= 0);
    }
  }
}

TEST_CASE("lookups by name and by number agree with libseccomp on the native arch") {
  int resolved = 0;
  for (const SyscallInfo& info : all_syscalls()) {
    const std::string name(info.name);
    INFO(name);
    REQUIRE(find_syscall(info.name) == &info);
    const long number = native_number(info);
    CHECK(number == seccomp_syscall_resolve_name(name.c_str()));
    if (number < 0) {
      continue;  // not on this architecture: the row is skipped
    }
    ++resolved;
    CHECK(find_syscall(number) == &info);
    CHECK(name_of(seccomp_arch_native(), static_cast<int>(number)) == name);
  }
  CHECK(resolved > 50);
  CHECK(find_syscall("no_such_call") == nullptr);
  CHECK(find_syscall(std::string_view("")) == nullptr);
  CHECK(find_syscall(-1L) == nullptr);
  CHECK(find_syscall(1'000'000L) == nullptr);
  // A native syscall culprit does not decode has no row.
  const int getpid = seccomp_syscall_resolve_name("getpid");
  REQUIRE(getpid >= 0);
  CHECK(find_syscall(static_cast<long>(getpid)) == nullptr);
}

TEST_CASE("rows carry what the sources need") {
  const SyscallInfo* openat = find_syscall("openat");
  REQUIRE(openat != nullptr);
  CHECK(openat->family == Family::File);
  CHECK(openat->paths[0].path == 1);
  CHECK(openat->paths[0].dirfd == 0);
  CHECK(openat->trace);
  const SyscallInfo* renameat2 = find_syscall("renameat2");
  REQUIRE(renameat2 != nullptr);
  CHECK(renameat2->paths[1].path == 3);
  CHECK(renameat2->paths[1].dirfd == 2);
  const SyscallInfo* getxattr = find_syscall("getxattr");
  REQUIRE(getxattr != nullptr);
  CHECK(getxattr->args[1] == ArgType::String);  // the attribute name is not a path
  CHECK(find_syscall("write")->fd_arg() == 0);
  CHECK(find_syscall("connect")->trace);
  CHECK(find_syscall("chdir")->trace);
  CHECK(find_syscall("fchdir")->trace);
  CHECK_FALSE(find_syscall("clone")->trace);  // followed by PTRACE_O_TRACECLONE, not a stop
}

TEST_CASE("the seccomp filter set is every path syscall plus exec, network, writes and chdir") {
  for (const SyscallInfo& info : all_syscalls()) {
    INFO(info.name);
    if (info.paths[0].path >= 0 || info.family == Family::Exec) {
      CHECK(info.trace);
    }
    if (info.name == "read" || info.name == "close" || info.name.starts_with("clone") ||
        info.name == "fork" || info.name == "vfork" || info.name.starts_with("exit")) {
      CHECK_FALSE(info.trace);
    }
  }
}

TEST_CASE("the name lookup finds exactly the table's names among all of libseccomp's") {
  const std::set<std::string> names = libseccomp_names();
  REQUIRE(names.size() > 300);
  for (const std::string& name : names) {
    INFO(name);
    const SyscallInfo* row = find_syscall(std::string_view(name));
    bool in_table = false;
    for (const SyscallInfo& info : all_syscalls()) {
      in_table = in_table || info.name == name;
    }
    CHECK((row != nullptr) == in_table);
    if (row != nullptr) {
      CHECK(row->name == name);
    }
    // A prefix of a name is another name (or none); no name has a "~".
    CHECK((find_syscall(std::string_view(name).substr(0, name.size() - 1)) == nullptr ||
           find_syscall(std::string_view(name).substr(0, name.size() - 1))->name.size() ==
               name.size() - 1));
    CHECK(find_syscall(name + "~") == nullptr);
  }
}

TEST_CASE("every process-creating call libseccomp knows is a CloneLike row") {
  // clone, clone2 (ia64), clone3, fork, vfork: the calls whose success returns a child pid.
  int seen = 0;
  for (const std::string& name : libseccomp_names()) {
    const std::string_view n = name;
    if (!(n.starts_with("clone") || n.ends_with("fork"))) {
      continue;
    }
    INFO(name);
    const SyscallInfo* row = find_syscall(n);
    if (row == nullptr && seccomp_syscall_resolve_name(name.c_str()) < 0) {
      continue;  // not on this architecture (clone2)
    }
    REQUIRE(row != nullptr);
    CHECK(row->has(Trait::CloneLike));
    ++seen;
  }
  CHECK(seen >= 3);
  for (const SyscallInfo& info : all_syscalls()) {
    INFO(info.name);
    if (info.has(Trait::CloneLike)) {
      CHECK(info.family == Family::Process);
      CHECK((info.name.starts_with("clone") || info.name.ends_with("fork")));
      CHECK_FALSE(info.trace);  // followed with PTRACE_O_TRACECLONE/FORK/VFORK, not stopped on
    }
  }
}

TEST_CASE("traits and struct arguments are consistent with the rest of the row") {
  for (const SyscallInfo& info : all_syscalls()) {
    INFO(info.name);
    // The open family: the returned fd is the file the path names.
    if (info.has(Trait::OpensPath)) {
      CHECK(info.has(Trait::ReturnsFd));
      CHECK(info.paths[0].path >= 0);
      CHECK((has_arg(info, ArgType::OpenFlags) || has_arg(info, ArgType::OpenHow) ||
             info.name == "creat"));
    }
    if (has_arg(info, ArgType::OpenFlags) || has_arg(info, ArgType::OpenHow)) {
      CHECK(info.has(Trait::OpensPath));
    }
    // The setuid/setgid family: id_arg names an integer argument, and only there.
    const bool sets_id = info.has(Trait::SetsUid) || info.has(Trait::SetsGid);
    CHECK(sets_id == (info.id_arg >= 0));
    CHECK_FALSE((info.has(Trait::SetsUid) && info.has(Trait::SetsGid)));
    if (sets_id) {
      REQUIRE(info.id_arg < info.arg_count());
      CHECK(info.args[static_cast<std::size_t>(info.id_arg)] == ArgType::Int);
      CHECK(info.name.starts_with("set"));
      CHECK(info.name.ends_with(info.has(Trait::SetsUid) ? "uid" : "gid"));
      // setreuid/setresuid: the second argument is the effective id.
      CHECK(info.id_arg == (info.name.starts_with("setre") ? 1 : 0));
      CHECK(info.trace);
    }
    // What is written is evidence and decoded at the entry stop: traced. Reads are not.
    if (info.has(Trait::WritesData)) {
      CHECK(info.trace);
      CHECK((has_arg(info, ArgType::Buffer) || has_arg(info, ArgType::Iovec) ||
             has_arg(info, ArgType::Msghdr)));
    }
    // The fstat form is recognised by the filter from the AtFlags and DirFd arguments; a stop
    // is skipped only for calls that only look at an fd (never execveat: an exec of an fd fails
    // like any exec).
    if (info.has(Trait::FdFormWithEmptyPath)) {
      CHECK(info.trace);
      CHECK(has_arg(info, ArgType::AtFlags));
      CHECK(has_arg(info, ArgType::DirFd));
      CHECK(info.family == Family::File);
      CHECK(info.name.find("stat") != std::string_view::npos);
    }
    if (info.has(Trait::ReadsData)) {
      CHECK_FALSE(info.trace);
      CHECK_FALSE(info.has(Trait::WritesData));
    }
    for (const ArgType t : {ArgType::Iovec, ArgType::Msghdr, ArgType::OpenHow}) {
      if (has_arg(info, t)) {
        CHECK(info.trace);  // the live decoder reads these structs only at traced entries
      }
    }
    for (int i = 0; i < info.arg_count(); ++i) {
      if (info.args[static_cast<std::size_t>(i)] == ArgType::Iovec) {
        REQUIRE(i + 1 < info.arg_count());
        CHECK(info.args[static_cast<std::size_t>(i + 1)] == ArgType::Int);  // the iovec count
      }
    }
    if (has_arg(info, ArgType::LinkTarget)) {
      CHECK(info.name.starts_with("symlink"));
      CHECK(info.paths[0].path >= 0);  // the link itself
    }
    if (info.has(Trait::PeerAddr)) {
      CHECK(has_arg(info, ArgType::SockAddr));
      CHECK_FALSE(info.trace);
    }
    if (info.has(Trait::ReturnsFd) && !info.has(Trait::OpensPath)) {
      CHECK(info.paths[0].path < 0);
    }
  }
  const SyscallInfo* openat2 = find_syscall("openat2");
  REQUIRE(openat2 != nullptr);
  CHECK(openat2->args[2] == ArgType::OpenHow);
  CHECK(openat2->has(Trait::OpensPath));
  CHECK(find_syscall("writev")->args[1] == ArgType::Iovec);
  CHECK(find_syscall("pwritev")->args[1] == ArgType::Iovec);
  CHECK(find_syscall("sendmsg")->args[1] == ArgType::Msghdr);
  CHECK(find_syscall("symlink")->args[0] == ArgType::LinkTarget);
  CHECK(find_syscall("symlinkat")->args[0] == ArgType::LinkTarget);
  CHECK(find_syscall("connect")->has(Trait::Connects));
  CHECK(find_syscall("getsockopt")->has(Trait::SoError));
  CHECK(find_syscall("setresuid")->id_arg == 1);
  CHECK(find_syscall("setfsgid")->id_arg == 0);
  CHECK(find_syscall("dup2")->has(Trait::ReturnsFd));
  CHECK_FALSE(find_syscall("close")->has(Trait::ReturnsFd));
  CHECK(find_syscall("accept4")->has(Trait::PeerAddr));
  CHECK_FALSE(find_syscall("connect")->has(Trait::PeerAddr));
  int connects = 0;
  int so_error = 0;
  for (const SyscallInfo& info : all_syscalls()) {
    connects += info.has(Trait::Connects) ? 1 : 0;
    so_error += info.has(Trait::SoError) ? 1 : 0;
  }
  CHECK(connects == 1);
  CHECK(so_error == 1);
}

namespace {
std::set<std::string> rows_with(Trait t) {
  std::set<std::string> names;
  for (const SyscallInfo& info : all_syscalls()) {
    if (info.has(t)) {
      names.emplace(info.name);
    }
  }
  return names;
}
}  // namespace

TEST_CASE("the traits that replace name comparisons are on exactly their rows") {
  using Names = std::set<std::string>;
  // connect/sendto/sendmsg: a unix socket needs write permission; a failure is a connection one.
  CHECK(rows_with(Trait::SendsToAddress) == Names{"connect", "sendmsg", "sendto"});
  CHECK(rows_with(Trait::ChangesCwd) == Names{"chdir", "fchdir"});
  CHECK(rows_with(Trait::ChangesRoot) == Names{"chroot"});
  CHECK(rows_with(Trait::ClosesFd) == Names{"close"});
  CHECK(rows_with(Trait::ReportsCwd) == Names{"getcwd"});
  CHECK(rows_with(Trait::DupsFdByCommand) == Names{"fcntl"});
  for (const SyscallInfo& info : all_syscalls()) {
    INFO(info.name);
    if (info.has(Trait::SendsToAddress)) {
      // The address is the caller's (not PeerAddr), and the call is traced so `run` sees it.
      CHECK(info.family == Family::Network);
      CHECK((has_arg(info, ArgType::SockAddr) || has_arg(info, ArgType::Msghdr)));
      CHECK_FALSE(info.has(Trait::PeerAddr));
      CHECK(info.trace);
    }
    if (info.has(Trait::ChangesCwd)) {
      // Either a path argument (chdir) or an fd (fchdir) names the new cwd, never both.
      CHECK(info.family == Family::Process);
      CHECK((info.paths[0].path >= 0) != (info.fd_arg() >= 0));
      CHECK(info.trace);  // the live decoder drops its cwd cache at the stop
      CHECK_FALSE(info.has(Trait::ChangesRoot));
    }
    if (info.has(Trait::ChangesRoot)) {
      CHECK(info.paths[0].path >= 0);
      CHECK(info.trace);
    }
    if (info.has(Trait::ClosesFd) || info.has(Trait::DupsFdByCommand)) {
      CHECK(info.family == Family::Io);
      CHECK(info.fd_arg() == 0);
      CHECK_FALSE(info.has(Trait::ReturnsFd));  // update_state tests ReturnsFd after these
    }
    if (info.has(Trait::DupsFdByCommand)) {
      REQUIRE(info.arg_count() >= 2);
      CHECK(info.args[1] == ArgType::Int);  // the command, F_DUPFD...
    }
    if (info.has(Trait::ReportsCwd)) {
      CHECK(info.family == Family::Process);
      CHECK(info.args[0] == ArgType::String);
    }
  }
}

TEST_CASE("errno names come from glibc, restart codes from the kernel's list") {
  CHECK(errno_name(2) == "ENOENT");
  CHECK(errno_name(13) == "EACCES");
  CHECK(errno_from_name("ENOENT") == 2);
  CHECK(errno_from_name("EACCES") == 13);
  CHECK(errno_from_name("EWOULDBLOCK") == errno_from_name("EAGAIN"));
  CHECK(errno_text("ENOENT") == "No such file or directory");
  CHECK(errno_name(512) == "ERESTARTSYS");
  CHECK(errno_name(513) == "ERESTARTNOINTR");
  CHECK(errno_name(514) == "ERESTARTNOHAND");
  CHECK(errno_name(515) == "ENOIOCTLCMD");
  CHECK(errno_name(516) == "ERESTART_RESTARTBLOCK");
  CHECK(errno_from_name("ERESTARTSYS") == 512);
  CHECK(errno_text("ERESTARTNOHAND") == "To be restarted if no handler");
  CHECK(errno_name(0).empty());
  CHECK(errno_name(99999).empty());
  CHECK(errno_from_name("ENOTANERRNO") == 0);
  CHECK(errno_text("ENOTANERRNO").empty());
  // Every name glibc knows maps back to its value.
  for (int e = 1; e < 134; ++e) {
    const std::string_view name = errno_name(e);
    if (!name.empty()) {
      INFO(name);
      CHECK(errno_from_name(name) == e);
    }
  }
}

TEST_CASE("the fstat form of newfstatat and statx is told from a stat of a path") {
  const SyscallInfo* newfstatat = find_syscall("newfstatat");
  const SyscallInfo* statx = find_syscall("statx");
  const SyscallInfo* openat = find_syscall("openat");
  REQUIRE(newfstatat != nullptr);
  REQUIRE(statx != nullptr);
  REQUIRE(openat != nullptr);
  constexpr std::uint64_t kEmpty = 0x1000;    // AT_EMPTY_PATH
  constexpr std::uint64_t kNoFollow = 0x100;  // AT_SYMLINK_NOFOLLOW
  const auto at_fdcwd = static_cast<std::uint64_t>(static_cast<std::int64_t>(-100));
  // fstat(5): newfstatat(5, "", buf, AT_EMPTY_PATH)
  CHECK(newfstatat->is_fd_form({5, 0x1000, 0x2000, kEmpty, 0, 0}));
  // The int dirfd may come with garbage in the upper half of the register.
  CHECK(newfstatat->is_fd_form({0xdeadbeef00000005ULL, 0x1000, 0x2000, kEmpty | kNoFollow, 0, 0}));
  // AT_FDCWD with AT_EMPTY_PATH is a stat of the cwd; no AT_EMPTY_PATH is a stat of a name.
  CHECK_FALSE(newfstatat->is_fd_form({at_fdcwd, 0x1000, 0x2000, kEmpty, 0, 0}));
  CHECK_FALSE(newfstatat->is_fd_form({at_fdcwd & 0xffffffffU, 0x1000, 0x2000, kEmpty, 0, 0}));
  CHECK_FALSE(newfstatat->is_fd_form({5, 0x1000, 0x2000, kNoFollow, 0, 0}));
  // statx(dirfd, path, flags, mask, buf): flags is the third argument.
  CHECK(statx->is_fd_form({3, 0x1000, kEmpty, 0x7ff, 0x2000, 0}));
  CHECK_FALSE(statx->is_fd_form({3, 0x1000, 0, kEmpty, 0x2000, 0}));
  // A call without the trait never is, whatever its arguments.
  CHECK_FALSE(openat->is_fd_form({5, 0x1000, kEmpty, 0, 0, 0}));
}
