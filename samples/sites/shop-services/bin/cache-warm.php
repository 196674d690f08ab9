<?php
/*
 * Warm the page cache in Redis (uses PHP streams: a non-blocking connect).
 */
$config = require dirname( __DIR__ ) . '/config.php';

$redis = @stream_socket_client( $config['redis'], $errno, $errstr, $config['timeout'] );
if ( ! $redis ) {
	fprintf( STDERR, "cache-warm: redis at %s unavailable: [%d] %s\n", $config['redis'], $errno, $errstr );
	exit( 2 );
}
fwrite( $redis, "PING\r\n" );
echo fgets( $redis );
