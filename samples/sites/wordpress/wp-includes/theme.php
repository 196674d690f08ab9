<?php
/**
 * Theme, template, and stylesheet functions.
 *
 * @package WordPress
 * @subpackage Theme
 */

function get_stylesheet() {
	return 'twentytwentyfour';
}
