<?php
/**
 * User API: WP_User class
 *
 * @package WordPress
 * @subpackage Users
 */
class WP_User {
	public $ID    = 0;
	public $roles = array();
}
