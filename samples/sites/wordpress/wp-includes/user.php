<?php
/**
 * Core User API
 *
 * @package WordPress
 * @subpackage Users
 */

function wp_get_current_user() {
	return new WP_User();
}
