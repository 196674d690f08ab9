# @summary Runs culprit on every target, keeps each JSON report on the controller and merges them
#   into one grouped report, one manifest (fleet.pp) and one script (fleet.sh) in $out_dir.
# @param targets The hosts to diagnose.
# @param out_dir A directory on the controller for the reports and the merged outputs.
# @param mode attach (live) or replay (a saved strace log on each target, $log).
# @param trigger attach: the command that makes the failing request.
# @param log replay: the strace log on each target.
# @param culprit culprit on the targets and on the controller.
plan culprit::fleet (
  TargetSpec $targets,
  String[1] $out_dir,
  Enum['attach', 'replay'] $mode = 'attach',
  Optional[String[1]] $trigger = undef,
  Optional[String[1]] $log = undef,
  String[1] $culprit = 'culprit',
) {
  $params = { 'mode' => $mode, 'trigger' => $trigger, 'log' => $log, 'culprit' => $culprit }
  $results = run_task('culprit::culprit', $targets, $params.filter |$k, $v| { $v =~ NotUndef },
    '_catch_errors' => true)
  $results.ok_set.to_data.each |$index, $result| {
    file::write("${out_dir}/report-${index}.json", to_json_pretty($result['value']))
  }
  $results.error_set.each |$result| {
    out::message("culprit failed on ${result.target.name}: ${result.error.message}")
  }
  run_command(shellquote($culprit, 'merge', $out_dir, '-o', "${out_dir}/merged.txt",
      '--manifest', "${out_dir}/fleet.pp", '--script', "${out_dir}/fleet.sh"),
    'localhost', '_catch_errors' => true)
  return $results.ok_set.count
}
