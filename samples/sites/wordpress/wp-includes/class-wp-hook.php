<?php
/**
 * Plugin API: WP_Hook class
 *
 * @package WordPress
 * @subpackage Plugin
 */

/**
 * Core class used to implement action and filter hook functionality.
 */
final class WP_Hook {
	public $callbacks = array();

	public function add_filter( $hook_name, $callback, $priority, $accepted_args ) {
		$this->callbacks[ $priority ][] = array(
			'function'      => $callback,
			'accepted_args' => $accepted_args,
		);
		ksort( $this->callbacks, SORT_NUMERIC );
	}

	public function apply_filters( $value, $args ) {
		foreach ( $this->callbacks as $the_ ) {
			foreach ( $the_ as $cb ) {
				$args[0] = $value;
				$value   = call_user_func_array( $cb['function'], array_slice( $args, 0, (int) $cb['accepted_args'] ) );
			}
		}
		return $value;
	}

	public function do_action( $args ) {
		foreach ( $this->callbacks as $the_ ) {
			foreach ( $the_ as $cb ) {
				call_user_func_array( $cb['function'], array_slice( $args, 0, (int) $cb['accepted_args'] ) );
			}
		}
	}

	public static function build_preinitialized_hooks( $filters ) {
		return array();
	}
}
