<?php
/*
 * Health check: can we reach the database server over its unix socket?
 */
$config = require dirname( __DIR__ ) . '/config.php';

$me = function_exists( 'posix_getpwuid' ) ? posix_getpwuid( posix_geteuid() ) : array( 'name' => '?' );
fprintf( STDOUT, "db-check: running as %s\n", $me['name'] );

$conn = @stream_socket_client( 'unix://' . $config['db_socket'], $errno, $errstr, $config['timeout'] );
if ( ! $conn ) {
	fprintf( STDERR, "db-check: cannot connect to %s: [%d] %s\n", $config['db_socket'], $errno, $errstr );
	exit( 2 );
}
fwrite( $conn, "\x01\x00\x00\x00\x0e" );
fclose( $conn );
echo "db-check: OK\n";
