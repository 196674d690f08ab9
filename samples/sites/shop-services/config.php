<?php
/*
 * Backend services used by the shop application.
 */
return array(
	'db_socket'  => '/run/mysqld/mysqld.sock',
	'db_name'    => 'shop',
	'redis'      => 'tcp://127.0.0.1:6379',
	'beanstalkd' => '127.0.0.1:11300',
	'timeout'    => 2.0,
);
