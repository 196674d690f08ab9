<?php
/*
 * Settings for the nightly cleanup job (cron.php).
 */
return array(
	'retention_days' => 14,
	'log_file'       => '/srv/culprit-demo/missing-dir/logs/app.log',
	'lock_file'      => '/srv/culprit-demo/missing-dir/var/cron.lock',
	'spool_dir'      => '/srv/culprit-demo/missing-dir/var',
);
