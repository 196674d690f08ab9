// A main() for fuzz targets built without libFuzzer (GCC builds, plain ctest runs): runs
// LLVMFuzzerTestOneInput once on every file named on the command line and on every file under
// every directory named there (recursively, in sorted order, as libFuzzer reads a corpus).
// A crash or sanitizer report fails the test like it fails libFuzzer; the exit status is 0 when
// every input ran, 2 when an argument cannot be read. Options starting with '-' (libFuzzer's
// -runs=0 ...) are ignored so the same command lines work with both mains.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>()};
  // Copy into an exactly-sized heap buffer so ASan catches reads past the input, as libFuzzer
  // does (a vector's capacity may exceed its size).
  auto buffer = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), buffer.get());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(buffer.get(), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with('-')) {
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) {
          found.push_back(entry.path());
        }
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(arg, ec)) {
      files.emplace_back(arg);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", arg.c_str());
      ok = false;
    }
  }
  std::size_t ran = 0;
  for (const auto& file : files) {
    if (run_file(file)) {
      ++ran;
    } else {
      ok = false;
    }
  }
  std::fprintf(stderr, "replay: ran %zu inputs\n", ran);
  return ok ? 0 : 2;
}
