<?php
/**
 * WordPress environment setup class.
 *
 * @package WordPress
 */
class WP {
	public $query_vars = array();
	public $request;

	public function main( $query_args = '' ) {
		$this->request = isset( $_SERVER['REQUEST_URI'] ) ? $_SERVER['REQUEST_URI'] : '/';
		do_action_ref_array( 'wp', array( &$this ) );
	}
}
