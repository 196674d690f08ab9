<?php
/**
 * Plugin Name: Hello Dolly
 * Description: This is not just a plugin, it symbolizes the hope and enthusiasm of an entire generation.
 * Version: 1.7.2
 */
function hello_dolly_get_lyric() {
	return 'Hello, Dolly';
}
