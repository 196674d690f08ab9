<?php
/*
 * Job queue worker (talks to beanstalkd with the sockets extension: a blocking connect).
 */
$config = require dirname( __DIR__ ) . '/config.php';

list( $host, $port ) = explode( ':', $config['beanstalkd'] );
$sock = socket_create( AF_INET, SOCK_STREAM, SOL_TCP );
if ( ! @socket_connect( $sock, $host, (int) $port ) ) {
	fprintf( STDERR, "queue-worker: cannot connect to beanstalkd at %s: %s\n", $config['beanstalkd'], socket_strerror( socket_last_error( $sock ) ) );
	exit( 2 );
}
socket_write( $sock, "watch default\r\n" );
