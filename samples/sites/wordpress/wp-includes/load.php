<?php
/**
 * These functions are needed to load WordPress.
 *
 * @package WordPress
 */

/**
 * Checks for the required PHP version.
 *
 * Dies if requirements are not met.
 */
function wp_check_php_versions() {
	global $required_php_version, $wp_version;

	if ( version_compare( PHP_VERSION, $required_php_version, '<' ) ) {
		header( 'HTTP/1.1 500 Internal Server Error' );
		printf( 'Your server is running PHP version %1$s but WordPress %2$s requires at least %3$s.', PHP_VERSION, $wp_version, $required_php_version );
		exit( 1 );
	}
}

/**
 * Fixes `$_SERVER` variables for various setups.
 */
function wp_fix_server_vars() {
	$default_server_values = array(
		'SERVER_SOFTWARE' => '',
		'REQUEST_URI'     => '/',
		'HTTP_HOST'       => 'www.example.test',
	);

	$_SERVER = array_merge( $default_server_values, $_SERVER );
	$_SERVER['PHP_SELF'] = preg_replace( '/(\?.*)?$/', '', $_SERVER['REQUEST_URI'] );
}

/**
 * Dies with a maintenance message when conditions are met.
 *
 * The default message can be replaced by using a drop-in (maintenance.php in
 * the wp-content directory).
 */
function wp_maintenance() {
	if ( ! file_exists( ABSPATH . '.maintenance' ) ) {
		return;
	}

	global $upgrading;
	require ABSPATH . '.maintenance';
	if ( ( time() - $upgrading ) < 10 * MINUTE_IN_SECONDS ) {
		die( "Briefly unavailable for scheduled maintenance. Check back in a minute.\n" );
	}
}

/**
 * Starts the WordPress micro-timer.
 */
function timer_start() {
	global $timestart;
	$timestart = microtime( true );
	return true;
}

/**
 * Sets PHP error reporting based on WordPress debug settings.
 *
 * With WP_DEBUG on and WP_DEBUG_DISPLAY off, errors are logged (to the
 * server's error log, stderr for the CLI) instead of being displayed.
 */
function wp_debug_mode() {
	if ( WP_DEBUG ) {
		error_reporting( E_ALL );

		if ( WP_DEBUG_DISPLAY ) {
			ini_set( 'display_errors', 1 );
		} elseif ( null !== WP_DEBUG_DISPLAY ) {
			ini_set( 'display_errors', 0 );
		}

		ini_set( 'log_errors', 1 );
		if ( is_string( WP_DEBUG_LOG ) ) {
			ini_set( 'error_log', WP_DEBUG_LOG );
		}
	} else {
		error_reporting( E_CORE_ERROR | E_CORE_WARNING | E_COMPILE_ERROR | E_ERROR | E_WARNING | E_PARSE | E_USER_ERROR | E_USER_WARNING | E_RECOVERABLE_ERROR );
	}
}

/**
 * Returns the machine hardware name (shown on the Site Health screen).
 *
 * @return string
 */
function wp_get_server_arch() {
	static $arch = null;

	if ( null === $arch ) {
		$arch = function_exists( 'shell_exec' ) ? trim( (string) @shell_exec( 'uname -m 2>/dev/null' ) ) : '';
	}

	return '' !== $arch ? $arch : php_uname( 'm' );
}

/**
 * Sets the location of the language directory.
 */
function wp_set_lang_dir() {
	if ( ! defined( 'WP_LANG_DIR' ) ) {
		if ( file_exists( WP_CONTENT_DIR . '/languages' ) && @is_dir( WP_CONTENT_DIR . '/languages' ) || ! @is_dir( ABSPATH . WPINC . '/languages' ) ) {
			define( 'WP_LANG_DIR', WP_CONTENT_DIR . '/languages' );
		} else {
			define( 'WP_LANG_DIR', ABSPATH . WPINC . '/languages' );
		}
	}
}

/**
 * Loads the database class file and instantiates the `$wpdb` global.
 */
function require_wp_db() {
	global $wpdb;

	require_once ABSPATH . WPINC . '/class-wpdb.php';

	if ( file_exists( WP_CONTENT_DIR . '/db.php' ) ) {
		require_once WP_CONTENT_DIR . '/db.php';
	}

	if ( isset( $wpdb ) ) {
		return;
	}

	$wpdb = new wpdb( DB_USER, DB_PASSWORD, DB_NAME, DB_HOST );
}

/**
 * Sets the database table prefix and the format specifiers for database table columns.
 */
function wp_set_wpdb_vars() {
	global $wpdb, $table_prefix;

	$wpdb->field_types = array(
		'post_author' => '%d',
		'post_parent' => '%d',
		'menu_order'  => '%d',
	);
	$wpdb->set_prefix( $table_prefix );
}

/**
 * Starts the WordPress object cache.
 *
 * If an object-cache.php file exists in the wp-content directory,
 * it uses that drop-in as an external object cache.
 */
function wp_start_object_cache() {
	global $_wp_using_ext_object_cache;

	if ( file_exists( WP_CONTENT_DIR . '/object-cache.php' ) ) {
		require_once WP_CONTENT_DIR . '/object-cache.php';
		$_wp_using_ext_object_cache = true;
	} else {
		require_once ABSPATH . WPINC . '/cache.php';
		$_wp_using_ext_object_cache = false;
	}

	wp_cache_init();
}

/**
 * Redirects to the installer if WordPress is not installed.
 */
function wp_not_installed() {
	if ( ! is_blog_installed() ) {
		die( "WordPress is not installed.\n" );
	}
}
