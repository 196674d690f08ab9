// `attach -u UNIT` and `attach --cgroup PATH`: from a systemd unit or a container's cgroup to the
// cgroup directories that hold its processes, and from those to the processes. Works on cgroup v2
// (unified), on v1 (name=systemd or any controller hierarchy) and on hybrid machines, with or
// without systemd as PID 1: a unit is found by its directory in the mounted hierarchies.
#pragma once

#include <string>
#include <vector>

#include "tracer/model/event.h"
#include "tracer/model/result.h"

namespace culprit::tracer {

// A mounted cgroup hierarchy, from /proc/self/mountinfo.
struct CgroupHierarchy {
  std::string mount;     // where it is mounted ("/sys/fs/cgroup/pids")
  std::string root;      // the cgroup shown at the mount point ("/" unless a container's view)
  bool unified = false;  // cgroup2
};

// Every cgroup hierarchy mounted per `mountinfo` (a /proc/PID/mountinfo file), in its order.
std::vector<CgroupHierarchy> cgroup_hierarchies(
    const std::string& mountinfo = "/proc/self/mountinfo");

// A unit as systemd names it: "apache2" is "apache2.service"; a name that already ends in a unit
// type (".service", ".scope", ".slice", ...) is kept ("php8.2-fpm" gets ".service").
std::string unit_name(const std::string& name);

// The cgroup directories of `unit` (a unit_name): systemd's ControlGroup when systemd runs,
// otherwise (or when it names none) every directory named exactly `unit` in the mounted
// hierarchies, the least deep one (a container's own system.slice/UNIT lies deeper than the
// host's). The same cgroup in several v1 hierarchies gives one directory per hierarchy. Errors:
// no such directory ("is the unit running?"), several equally deep ones (ambiguous: use --cgroup).
Result<std::vector<std::string>> unit_cgroup_dirs(const std::string& unit);

// The directories `path` names: itself when it is a cgroup directory (it has cgroup.procs), else
// the cgroup path as /proc/PID/cgroup shows it ("/system.slice/docker-ID.scope") in every
// mounted hierarchy that has it. Error: none has it.
Result<std::vector<std::string>> cgroup_dirs(const std::string& path);

// The processes (cgroup.procs) of `dirs` and of every cgroup below them, sorted, each once.
std::vector<Pid> cgroup_processes(const std::vector<std::string>& dirs);

}  // namespace culprit::tracer
