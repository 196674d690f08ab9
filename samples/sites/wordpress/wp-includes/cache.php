<?php
/**
 * Object Cache API
 *
 * @package WordPress
 * @subpackage Cache
 */

/** WP_Object_Cache class */
require_once ABSPATH . WPINC . '/class-wp-object-cache.php';

function wp_cache_init() {
	$GLOBALS['wp_object_cache'] = new WP_Object_Cache();
}

function wp_cache_get( $key, $group = '' ) {
	global $wp_object_cache;
	return $wp_object_cache->get( $key, $group );
}

function wp_cache_set( $key, $data, $group = '' ) {
	global $wp_object_cache;
	return $wp_object_cache->set( $key, $data, $group );
}
