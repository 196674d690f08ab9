<?php
/**
 * Loads the correct template based on the visitor's url
 *
 * @package WordPress
 */
if ( wp_using_themes() ) {
	echo "<!doctype html><title>Demo</title><p>Hello from " . esc_html( get_stylesheet() ) . "</p>\n";
}
