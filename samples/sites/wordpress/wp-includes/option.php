<?php
/**
 * Option API
 *
 * @package WordPress
 * @subpackage Option
 */

function get_option( $option, $default_value = false ) {
	$alloptions = wp_cache_get( 'alloptions', 'options' );
	if ( is_array( $alloptions ) && isset( $alloptions[ $option ] ) ) {
		return $alloptions[ $option ];
	}
	return $default_value;
}

function update_option( $option, $value ) {
	$alloptions            = (array) wp_cache_get( 'alloptions', 'options' );
	$alloptions[ $option ] = $value;
	return wp_cache_set( 'alloptions', $alloptions, 'options' );
}
