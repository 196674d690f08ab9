<?php
/*
 * Nightly cleanup job: removes spool files older than the retention period.
 * Run from cron as: php /srv/culprit-demo/missing-dir/cron.php
 */
$config = require __DIR__ . '/config.php';
require __DIR__ . '/lib/Logger.php';

// Optional per-host overrides.
if ( is_readable( '/etc/culprit-demo/cron.ini' ) ) {
	$config = array_merge( $config, parse_ini_file( '/etc/culprit-demo/cron.ini' ) );
}

// Only one instance at a time.
$lock = fopen( $config['lock_file'], 'c' );
if ( ! $lock || ! flock( $lock, LOCK_EX | LOCK_NB ) ) {
	exit( 0 );
}

$log = new Logger( $config['log_file'] );
$log->info( 'cleanup started' );

$removed = 0;
foreach ( glob( $config['spool_dir'] . '/*.tmp' ) as $file ) {
	if ( filemtime( $file ) < time() - 86400 * $config['retention_days'] ) {
		unlink( $file );
		$removed++;
	}
}
$log->info( "cleanup finished, removed $removed files" );

flock( $lock, LOCK_UN );
fclose( $lock );
unlink( $config['lock_file'] );
