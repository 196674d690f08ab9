<?php
/**
 * WordPress database access abstraction class.
 *
 * The connection is opened lazily, on the first query.
 *
 * @package WordPress
 * @subpackage Database
 */
class wpdb {
	public $prefix      = '';
	public $field_types = array();
	protected $dbuser;
	protected $dbpassword;
	protected $dbname;
	protected $dbhost;

	public function __construct( $dbuser, $dbpassword, $dbname, $dbhost ) {
		$this->dbuser     = $dbuser;
		$this->dbpassword = $dbpassword;
		$this->dbname     = $dbname;
		$this->dbhost     = $dbhost;
	}

	public function set_prefix( $prefix ) {
		$this->prefix = $prefix;
		return $prefix;
	}
}
