<?php
/**
 * Object Cache API: WP_Object_Cache class
 *
 * @package WordPress
 * @subpackage Cache
 */
class WP_Object_Cache {
	private $cache = array();

	public function get( $key, $group = 'default' ) {
		return isset( $this->cache[ $group ][ $key ] ) ? $this->cache[ $group ][ $key ] : false;
	}

	public function set( $key, $data, $group = 'default' ) {
		$this->cache[ $group ][ $key ] = $data;
		return true;
	}
}
