<?php
/**
 * Core Translation API
 *
 * @package WordPress
 * @subpackage i18n
 */

function get_locale() {
	global $locale;
	if ( isset( $locale ) ) {
		return $locale;
	}
	$locale = defined( 'WPLANG' ) ? WPLANG : 'en_US';
	return $locale;
}

function __( $text, $domain = 'default' ) {
	return $text;
}
