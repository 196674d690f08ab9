<?php
/**
 * Sets up the default filters and actions for most
 * of the WordPress hooks.
 *
 * @package WordPress
 */

add_filter( 'the_title', 'trim' );
add_filter( 'sanitize_title', 'sanitize_key' );
add_action( 'init', 'wp_cron', 20 );

function do_action_ref_array( $hook_name, $args ) {
	do_action( $hook_name, ...$args );
}
