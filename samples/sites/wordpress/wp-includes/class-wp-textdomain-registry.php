<?php
/**
 * Locale API: WP_Textdomain_Registry class
 *
 * @package WordPress
 * @subpackage i18n
 */
class WP_Textdomain_Registry {
	protected $all = array();

	public function get( $domain, $locale ) {
		return isset( $this->all[ $domain ][ $locale ] ) ? $this->all[ $domain ][ $locale ] : false;
	}

	public function set( $domain, $locale, $path ) {
		$this->all[ $domain ][ $locale ] = $path ? trailingslashit( $path ) : false;
	}
}
