<?php
/**
 * Main WordPress API
 *
 * @package WordPress
 */

function wp_parse_args( $args, $defaults = array() ) {
	if ( is_object( $args ) ) {
		$parsed_args = get_object_vars( $args );
	} elseif ( is_array( $args ) ) {
		$parsed_args =& $args;
	} else {
		parse_str( (string) $args, $parsed_args );
	}
	return array_merge( $defaults, $parsed_args );
}

function absint( $maybeint ) {
	return abs( (int) $maybeint );
}

function wp_die( $message = '', $title = '' ) {
	fwrite( STDERR, "wp_die: $title $message\n" );
	exit( 1 );
}

function is_blog_installed() {
	return true;
}

function wp() {
	global $wp;
	$wp = new WP();
	$wp->main();
}
