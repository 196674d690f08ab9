<?php
/**
 * Query API: WP_Query class
 *
 * @package WordPress
 * @subpackage Query
 */
class WP_Query {
	public $query_vars = array();
	public $posts      = array();

	public function __construct( $query = '' ) {
		if ( ! empty( $query ) ) {
			$this->query_vars = wp_parse_args( $query );
		}
	}

	public function have_posts() {
		return ! empty( $this->posts );
	}
}
