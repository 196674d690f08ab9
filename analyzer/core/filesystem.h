// The analyzer's only window on files: the live filesystem, a copy of it under --root DIR (a logged
// path /x/y is looked up as DIR/x/y), or nothing at all (log-only analysis).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracer/model/result.h"

namespace culprit::analyzer {

struct FileInfo {
  bool exists = false;
  bool is_directory = false;
  bool is_regular = false;
  std::uint32_t mode = 0;  // st_mode & 07777
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // False for the log-only view: every query answers "unknown".
  [[nodiscard]] virtual bool available() const = 0;
  // lstat-like, following symlinks for the final component (stat). nullopt when it does not exist
  // or cannot be inspected.
  [[nodiscard]] virtual std::optional<FileInfo> stat(std::string_view path) const = 0;
  // Entry names of a directory (no "." / ".."); empty when unreadable. At most `limit` names.
  [[nodiscard]] virtual std::vector<std::string> list(std::string_view dir,
                                                      std::size_t limit = 10000) const = 0;
  // Up to `max_bytes` of a regular file.
  [[nodiscard]] virtual Result<std::string> read(std::string_view path,
                                                 std::size_t max_bytes = 4 << 20) const = 0;
  // User/group names for ids, as on this system ("" when unknown).
  [[nodiscard]] virtual std::string user_name(std::uint32_t uid) const;
  [[nodiscard]] virtual std::string group_name(std::uint32_t gid) const;
  // Every user in group `gid`: those whose primary group it is and its listed members (sorted,
  // unique); nullopt when the group is unknown.
  [[nodiscard]] virtual std::optional<std::vector<std::string>> group_members(
      std::uint32_t gid) const;
  // The mount a path is on and its per-mount options ("rw,nosuid,noexec,relatime"); nullopt when
  // unknown (a copy under --root, the log-only view).
  struct Mount {
    std::string point;
    std::string options;
  };
  [[nodiscard]] virtual std::optional<Mount> mount_of(std::string_view path) const;
};

// The live filesystem, or a copy of it under `root` when root is non-empty.
class RealFileSystem final : public FileSystem {
 public:
  explicit RealFileSystem(std::string root = {});
  [[nodiscard]] bool available() const override { return true; }
  [[nodiscard]] std::optional<FileInfo> stat(std::string_view path) const override;
  [[nodiscard]] std::vector<std::string> list(std::string_view dir,
                                              std::size_t limit) const override;
  [[nodiscard]] Result<std::string> read(std::string_view path,
                                         std::size_t max_bytes) const override;
  [[nodiscard]] std::optional<Mount> mount_of(std::string_view path) const override;

 private:
  [[nodiscard]] std::string host_path(std::string_view path) const;
  std::string root_;
};

// No filesystem: analysis from the log only.
class NoFileSystem final : public FileSystem {
 public:
  [[nodiscard]] bool available() const override { return false; }
  [[nodiscard]] std::optional<FileInfo> stat(std::string_view) const override { return {}; }
  [[nodiscard]] std::vector<std::string> list(std::string_view, std::size_t) const override {
    return {};
  }
  [[nodiscard]] Result<std::string> read(std::string_view path, std::size_t) const override {
    return Error{0, "no filesystem access (log-only analysis)", std::string(path), 0};
  }
};

}  // namespace culprit::analyzer
