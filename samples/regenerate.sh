#!/usr/bin/env bash
# regenerate.sh - rebuild every strace sample in samples/ from REAL runs.
#
# For each scenario this script builds a small program/site under the fixed
# location /srv/culprit-demo/<scenario>/, runs it under the real strace, and
# writes the resulting log into samples/.  It then copies the demo files into
# samples/root/<scenario>/ (for `culprit --root`), writes samples/expected.json
# and samples/README.md, and finally deletes /srv/culprit-demo again.
#
# No log is ever edited by hand.  The only derived file is
# samples/wp-typo.pasted.log, produced by make_pasted() below from a real log
# by a deterministic transformation that imitates a sloppy terminal paste.
#
# Determinism: each traced command runs in its own PID namespace with a fixed
# ns_last_pid, so the traced processes get the same PIDs on every run, and with
# ASLR disabled (setarch -R), so addresses repeat too.  Timestamps, durations,
# inode numbers and random bytes still change from run to run.
#
# Needs: root, strace, php (php-cli 8.2), apache2, setpriv, unshare, setarch,
# jq, a "www-data" user.  Run from anywhere:  sudo samples/regenerate.sh
set -euo pipefail

SAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$SAMPLES")
DEMO=/srv/culprit-demo
MARKER="$DEMO/.culprit-demo"
CONSOLE="$DEMO/console"
ARCH=$(uname -m)
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Include path handed to php-cli (directories that do not exist on a stock
# Debian are probed and fail with ENOENT: benign noise by design).
PHP_INCLUDE_PATH=.:/usr/share/php:/usr/share/pear
# strace forks a few throw-away children at start-up (ptrace feature checks)
# before it forks the tracee; the tracee gets ns_last_pid + PID_OFFSET.
PID_OFFSET=3

WORK=
USE_PIDNS=1
USE_SETARCH=1

die() { printf 'regenerate.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'regenerate.sh: %s\n' "$*" >&2; }

cleanup() {
	if [[ -f "$MARKER" ]]; then
		rm -rf "$DEMO"
	fi
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		rm -rf "$WORK"
	fi
}

preflight() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (it traces a program as www-data and writes to $DEMO)"
	local tool
	for tool in strace php apache2 setpriv unshare setarch jq awk; do
		command -v "$tool" >/dev/null || die "missing tool: $tool"
	done
	id www-data >/dev/null 2>&1 || die "missing user www-data"
	if [[ -e "$DEMO" && ! -f "$MARKER" ]]; then
		die "$DEMO exists and was not made by this script; refusing to touch it"
	fi
	[[ ! -e /run/mysqld/mysqld.sock ]] || die "/run/mysqld/mysqld.sock exists; socket-gone needs it absent"
	local port
	for port in 6379 11300 8089; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			die "something listens on 127.0.0.1:$port; the socket-gone/apache samples need it closed"
		fi
	done
	if ! unshare --pid --fork --mount-proc -- true 2>/dev/null; then
		note "unshare --pid not permitted here: PIDs in the logs will not be stable"
		USE_PIDNS=0
	fi
	if ! setarch "$ARCH" -R true 2>/dev/null; then
		note "setarch -R not permitted here: addresses in the logs will not be stable"
		USE_SETARCH=0
	fi
}

# run_traced PID CWD STDOUT STDERR ENV... -- CMD...
# Runs CMD (normally "strace ... program ...") in CWD with a clean environment
# made of the ENV assignments, so that the tracee's PID is PID.  Never fails:
# the traced programs are supposed to fail.
run_traced() {
	local pid=$1 cwd=$2 out=$3 err=$4
	shift 4
	local -a envs=()
	while [[ $# -gt 0 && $1 != -- ]]; do
		envs+=("$1")
		shift
	done
	shift
	local -a wrap=()
	if [[ $USE_PIDNS -eq 1 ]]; then
		# shellcheck disable=SC2016 # $1/$@ belong to the inner sh
		wrap+=(unshare --pid --fork --mount-proc -- sh -c 'echo "$1" >/proc/sys/kernel/ns_last_pid && shift && exec "$@"' sh "$((pid - PID_OFFSET))")
	fi
	if [[ $USE_SETARCH -eq 1 ]]; then
		wrap+=(setarch "$ARCH" -R)
	fi
	(cd "$cwd" && exec "${wrap[@]}" env -i "${envs[@]}" "$@") >"$out" 2>"$err" || true
}

# The environment every traced program gets (plus HOME where noted).
base_env() {
	printf '%s\n' "PATH=$CLEAN_PATH" LANG=C.UTF-8
}

# ---------------------------------------------------------------------------
# expectations: collected as JSON lines, turned into expected.json at the end
# ---------------------------------------------------------------------------
EXPECT_JSONL=
README_ROWS=

# expect NAME KIND PATH ERRNO SUGGESTION REF_FILE REF_LINE ROOT BENIGN(comma list) LOG...
# Empty strings become null.  Extra keys can be merged with EXTRA_JSON='{...}'.
EXTRA_JSON='{}'
expect() {
	local name=$1 kind=$2 path=$3 errno=$4 suggestion=$5 ref_file=$6 ref_line=$7 root=$8 benign=$9
	shift 9
	local -a logs=("$@")
	jq -cn \
		--arg name "$name" --arg kind "$kind" --arg path "$path" --arg errno "$errno" \
		--arg suggestion "$suggestion" --arg ref_file "$ref_file" --arg ref_line "$ref_line" \
		--arg root "$root" --arg benign "$benign" --argjson extra "$EXTRA_JSON" \
		--args '{
			name: $name,
			logs: $ARGS.positional,
			root: (if $root == "" then null else $root end),
			kind: $kind,
			path: $path,
			errno: (if $errno == "" then null else $errno end),
			suggestion: (if $suggestion == "" then null else $suggestion end),
			referenced_from: (if $ref_file == "" then null else {file: $ref_file, line: ($ref_line | tonumber)} end),
			benign: ($benign | split(",") | map(select(. != "")))
		} + $extra' "${logs[@]}" >>"$EXPECT_JSONL"
	EXTRA_JSON='{}'
}

# readme_row NAME LOGS COMMAND PROGRAM FINDING
readme_row() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$README_ROWS"
}

# check_log LOG FIXED-STRING...: the log must contain every string.
check_log() {
	local log=$1
	shift
	local s
	for s in "$@"; do
		grep -qF -- "$s" "$log" || die "$(basename "$log"): expected text not found: $s"
	done
}

# check_benign LOG PATH...: each path must appear in a failing syscall.
check_benign() {
	local log=$1
	shift
	local p
	for p in "$@"; do
		grep -F -- "\"$p\"" "$log" | grep -qE -- '= -1 |<unfinished' ||
			die "$(basename "$log"): benign path does not fail in the log: $p"
	done
}

# line_of FILE FIXED-STRING: number of the (single) line containing the string.
line_of() {
	local n
	n=$(grep -nF -- "$2" "$1" | cut -d: -f1)
	[[ -n $n && $n != *$'\n'* ]] || die "line_of: need exactly one line with '$2' in $1 (got '${n//$'\n'/,}')"
	printf '%s\n' "$n"
}

rel() { printf '%s\n' "${1#"$REPO"/}"; }

# ---------------------------------------------------------------------------
# scenario sources
# ---------------------------------------------------------------------------

# A small WordPress-like site.  $1 = site directory.
make_wp_site() {
	local d=$1
	mkdir -p "$d/wp-includes/Text" "$d/wp-content/plugins/hello-dolly" "$d/wp-content/themes/twentytwentyfour" "$d/wp-content/uploads"

	cat >"$d/index.php" <<'EOF'
<?php
/**
 * Front to the WordPress application. This file doesn't do anything, but loads
 * wp-blog-header.php which does and tells WordPress to load the theme.
 *
 * @package WordPress
 */

/**
 * Tells WordPress to load the WordPress theme and output it.
 *
 * @var bool
 */
define( 'WP_USE_THEMES', true );

/** Loads the WordPress Environment and Template */
require __DIR__ . '/wp-blog-header.php';
EOF

	cat >"$d/wp-blog-header.php" <<'EOF'
<?php
/**
 * Loads the WordPress environment and template.
 *
 * @package WordPress
 */

if ( ! isset( $wp_did_header ) ) {

	$wp_did_header = true;

	// Load the WordPress library.
	require_once __DIR__ . '/wp-load.php';

	// Set up the WordPress query.
	wp();

	// Load the theme template.
	require_once ABSPATH . WPINC . '/template-loader.php';

}
EOF

	cat >"$d/wp-load.php" <<'EOF'
<?php
/**
 * Bootstrap file for setting the ABSPATH constant
 * and loading the wp-config.php file. The wp-config.php
 * file will then load the wp-settings.php file, which
 * will then set up the WordPress environment.
 *
 * @package WordPress
 */

/** Define ABSPATH as this file's directory */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/*
 * The error_reporting() function can be disabled in php.ini. On systems where that is the case,
 * it's best to add a dummy function to the wp-config.php file, but as this call to the function
 * is run prior to wp-config.php loading, it is wrapped in a function_exists() check.
 */
if ( function_exists( 'error_reporting' ) ) {
	error_reporting( E_CORE_ERROR | E_CORE_WARNING | E_COMPILE_ERROR | E_ERROR | E_WARNING | E_PARSE | E_USER_ERROR | E_USER_WARNING | E_RECOVERABLE_ERROR );
}

if ( file_exists( ABSPATH . 'wp-config.php' ) ) {

	/** The config file resides in ABSPATH */
	require_once ABSPATH . 'wp-config.php';

} elseif ( @file_exists( dirname( ABSPATH ) . '/wp-config.php' ) && ! @file_exists( dirname( ABSPATH ) . '/wp-settings.php' ) ) {

	/** The config file resides one level above ABSPATH but is not part of another installation */
	require_once dirname( ABSPATH ) . '/wp-config.php';

} else {
	die( "There doesn't seem to be a wp-config.php file. It is needed before the installation can continue.\n" );
}
EOF

	cat >"$d/wp-config.php" <<'EOF'
<?php
/**
 * The base configuration for WordPress
 *
 * @package WordPress
 */

// ** Database settings - You can get this info from your web host ** //
/** The name of the database for WordPress */
define( 'DB_NAME', 'wordpress' );

/** Database username */
define( 'DB_USER', 'wp' );

/** Database password */
define( 'DB_PASSWORD', 'correct-horse-battery-staple' );

/** Database hostname */
define( 'DB_HOST', 'localhost' );

/** Database charset to use in creating database tables. */
define( 'DB_CHARSET', 'utf8mb4' );

/** The database collate type. Don't change this if in doubt. */
define( 'DB_COLLATE', '' );

/**#@+
 * Authentication unique keys and salts.
 */
define( 'AUTH_KEY',         'demo-auth-key' );
define( 'SECURE_AUTH_KEY',  'demo-secure-auth-key' );
define( 'LOGGED_IN_KEY',    'demo-logged-in-key' );
define( 'NONCE_KEY',        'demo-nonce-key' );
/**#@-*/

/**
 * WordPress database table prefix.
 */
$table_prefix = 'wp_';

/**
 * For developers: WordPress debugging mode.
 */
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', false );

/** Enable the page cache drop-in (wp-content/advanced-cache.php) if present. */
define( 'WP_CACHE', true );

/* Local overrides that are not kept in version control. */
if ( file_exists( __DIR__ . '/wp-config-local.php' ) ) {
	include __DIR__ . '/wp-config-local.php';
}

/* That's all, stop editing! Happy publishing. */

/** Absolute path to the WordPress directory. */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

/** Sets up WordPress vars and included files. */
require_once ABSPATH . 'wp-settings.php';
EOF

	cat >"$d/wp-settings.php" <<'EOF'
<?php
/**
 * Used to set up and fix common variables and include
 * the WordPress procedural and class library.
 *
 * Allows for some configuration in wp-config.php (see default-constants.php)
 *
 * @package WordPress
 */

/**
 * Stores the location of the WordPress directory of functions, classes, and core content.
 *
 * @since 1.0.0
 */
define( 'WPINC', 'wp-includes' );

/**
 * Version information for the current WordPress release.
 *
 * These can't be directly globalized in version.php. When updating,
 * include version.php from another installation and don't override
 * these values if already set.
 *
 * @global string $wp_version             The WordPress version string.
 * @global int    $wp_db_version          WordPress database version.
 * @global string $required_php_version   The required PHP version string.
 */
global $wp_version, $wp_db_version, $required_php_version;
require ABSPATH . WPINC . '/version.php';
require ABSPATH . WPINC . '/compat.php';
require ABSPATH . WPINC . '/load.php';

// Check for the required PHP version.
wp_check_php_versions();

// Include files required for initialization.
require ABSPATH . WPINC . '/class-wp-error.php';
require ABSPATH . WPINC . '/default-constants.php';
require_once ABSPATH . WPINC . '/plugin.php';

/*
 * If not already configured, `$blog_id` will default to 1 in a single site
 * configuration.
 */
global $blog_id;

// Set initial default constants including WP_MEMORY_LIMIT, WP_MAX_MEMORY_LIMIT, WP_DEBUG, WP_CONTENT_DIR and WP_CACHE.
wp_initial_constants();

// WordPress calculates offsets from UTC.
// phpcs:ignore WordPress.DateTime.RestrictedFunctions.timezone_change_date_default_timezone_set
date_default_timezone_set( 'UTC' );

// Standardize $_SERVER variables across setups.
wp_fix_server_vars();

// Check if we're in maintenance mode.
wp_maintenance();

// Start loading timer.
timer_start();

// Check if we're in WP_DEBUG mode.
wp_debug_mode();

// Remember the machine type for the Site Health screen.
$GLOBALS['wp_server_arch'] = wp_get_server_arch();

/*
 * Loads the advanced-cache.php drop-in if WP_CACHE is enabled and the file exists.
 */
if ( WP_CACHE && apply_filters( 'enable_loading_advanced_cache_dropin', true ) && file_exists( WP_CONTENT_DIR . '/advanced-cache.php' ) ) {
	// For an advanced caching plugin to use. Uses a static drop-in because you would only want one.
	include WP_CONTENT_DIR . '/advanced-cache.php';
}

// Define WP_LANG_DIR if not set.
wp_set_lang_dir();

// Load early WordPress files.
require ABSPATH . WPINC . '/formatting.php';
require ABSPATH . WPINC . '/functions.php';
require ABSPATH . WPINC . '/option.php';
require ABSPATH . WPINC . '/class-wp.php';
require ABSPATH . WPINC . '/class-wp-query.php';
require ABSPATH . WPINC . '/wp-diff.php';

// Include the wpdb class and, if present, a db.php database drop-in.
global $wpdb;
require_wp_db();

// Set the database table prefix and the format specifiers for database table columns.
$GLOBALS['table_prefix'] = $table_prefix;
wp_set_wpdb_vars();

// Start the WordPress object cache, or an external object cache if the drop-in is present.
wp_start_object_cache();

// Attach the default filters.
require ABSPATH . WPINC . '/default-filters.php';

// Stop most of WordPress from being loaded if SHORTINIT is enabled.
if ( SHORTINIT ) {
	return false;
}

// Load the L10n library.
require_once ABSPATH . WPINC . '/l10n.php';
require_once ABSPATH . WPINC . '/class-wp-textdomain-registry.php';
require ABSPATH . WPINC . '/class-wp-locale.phpp';
require_once ABSPATH . WPINC . '/class-wp-locale-switcher.php';

// Run the installer if WordPress is not installed.
wp_not_installed();

// Load most of WordPress.
require ABSPATH . WPINC . '/class-wp-user.php';
require ABSPATH . WPINC . '/user.php';
require ABSPATH . WPINC . '/theme.php';
require ABSPATH . WPINC . '/template-loader.php';

/**
 * Fires once WordPress, all plugins, and the theme are fully loaded and instantiated.
 *
 * @since 3.0.0
 */
do_action( 'wp_loaded' );
EOF

	# --- wp-includes -------------------------------------------------------
	cat >"$d/wp-includes/version.php" <<'EOF'
<?php
/**
 * WordPress Version
 *
 * Contains version information for the current WordPress release.
 *
 * @package WordPress
 */

/**
 * The WordPress version string.
 *
 * @global string $wp_version
 */
$wp_version = '6.4.3';

/**
 * Holds the WordPress DB revision, increments when changes are made to the WordPress DB schema.
 *
 * @global int $wp_db_version
 */
$wp_db_version = 56657;

/**
 * Holds the required PHP version.
 *
 * @global string $required_php_version
 */
$required_php_version = '7.0.0';
EOF

	cat >"$d/wp-includes/compat.php" <<'EOF'
<?php
/**
 * WordPress implementation for PHP functions either missing from older PHP versions or not included by default.
 *
 * @package PHP
 * @access private
 */

if ( ! function_exists( 'str_contains' ) ) {
	function str_contains( $haystack, $needle ) {
		return '' === $needle || false !== strpos( $haystack, $needle );
	}
}

if ( ! function_exists( 'array_key_first' ) ) {
	function array_key_first( array $arr ) {
		foreach ( $arr as $key => $value ) {
			return $key;
		}
		return null;
	}
}

if ( ! function_exists( 'is_iterable' ) ) {
	function is_iterable( $value ) {
		return ( is_array( $value ) || $value instanceof Traversable );
	}
}
EOF

	cat >"$d/wp-includes/load.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/class-wp-error.php" <<'EOF'
<?php
/**
 * WordPress Error API.
 *
 * @package WordPress
 */

/**
 * WordPress Error class.
 */
class WP_Error {
	public $errors     = array();
	public $error_data = array();

	public function __construct( $code = '', $message = '', $data = '' ) {
		if ( empty( $code ) ) {
			return;
		}
		$this->add( $code, $message, $data );
	}

	public function add( $code, $message, $data = '' ) {
		$this->errors[ $code ][] = $message;
		if ( ! empty( $data ) ) {
			$this->error_data[ $code ] = $data;
		}
	}

	public function has_errors() {
		return ! empty( $this->errors );
	}
}

function is_wp_error( $thing ) {
	return ( $thing instanceof WP_Error );
}
EOF

	cat >"$d/wp-includes/default-constants.php" <<'EOF'
<?php
/**
 * Defines constants and global variables that can be overridden, generally in wp-config.php.
 *
 * @package WordPress
 */

/**
 * Defines initial WordPress constants.
 */
function wp_initial_constants() {
	global $blog_id;

	define( 'KB_IN_BYTES', 1024 );
	define( 'MB_IN_BYTES', 1024 * KB_IN_BYTES );
	define( 'MINUTE_IN_SECONDS', 60 );
	define( 'HOUR_IN_SECONDS', 60 * MINUTE_IN_SECONDS );

	if ( ! defined( 'WP_MEMORY_LIMIT' ) ) {
		define( 'WP_MEMORY_LIMIT', '40M' );
	}
	if ( ! defined( 'WP_MAX_MEMORY_LIMIT' ) ) {
		define( 'WP_MAX_MEMORY_LIMIT', '256M' );
	}

	$blog_id = 1;

	if ( ! defined( 'WP_CONTENT_DIR' ) ) {
		define( 'WP_CONTENT_DIR', ABSPATH . 'wp-content' ); // No trailing slash, full paths only - WP_CONTENT_URL is defined further down.
	}
	if ( ! defined( 'WP_DEBUG' ) ) {
		define( 'WP_DEBUG', false );
	}
	if ( ! defined( 'WP_DEBUG_DISPLAY' ) ) {
		define( 'WP_DEBUG_DISPLAY', true );
	}
	if ( ! defined( 'WP_DEBUG_LOG' ) ) {
		define( 'WP_DEBUG_LOG', false );
	}
	if ( ! defined( 'WP_CACHE' ) ) {
		define( 'WP_CACHE', false );
	}
	if ( ! defined( 'SHORTINIT' ) ) {
		define( 'SHORTINIT', false );
	}
}
EOF

	cat >"$d/wp-includes/plugin.php" <<'EOF'
<?php
/**
 * The plugin API is located in this file, which allows for creating actions
 * and filters and hooking functions, and methods.
 *
 * @package WordPress
 * @subpackage Plugin
 */

// Initialize the filter globals.
require __DIR__ . '/class-wp-hook.php';

/** @var WP_Hook[] $wp_filter */
global $wp_filter;

if ( $wp_filter ) {
	$wp_filter = WP_Hook::build_preinitialized_hooks( $wp_filter );
} else {
	$wp_filter = array();
}

function add_filter( $hook_name, $callback, $priority = 10, $accepted_args = 1 ) {
	global $wp_filter;

	if ( ! isset( $wp_filter[ $hook_name ] ) ) {
		$wp_filter[ $hook_name ] = new WP_Hook();
	}
	$wp_filter[ $hook_name ]->add_filter( $hook_name, $callback, $priority, $accepted_args );
	return true;
}

function apply_filters( $hook_name, $value, ...$args ) {
	global $wp_filter;

	if ( ! isset( $wp_filter[ $hook_name ] ) ) {
		return $value;
	}
	array_unshift( $args, $value );
	return $wp_filter[ $hook_name ]->apply_filters( $value, $args );
}

function add_action( $hook_name, $callback, $priority = 10, $accepted_args = 1 ) {
	return add_filter( $hook_name, $callback, $priority, $accepted_args );
}

function do_action( $hook_name, ...$arg ) {
	global $wp_filter;

	if ( isset( $wp_filter[ $hook_name ] ) ) {
		$wp_filter[ $hook_name ]->do_action( $arg );
	}
}
EOF

	cat >"$d/wp-includes/class-wp-hook.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/formatting.php" <<'EOF'
<?php
/**
 * Main WordPress Formatting API.
 *
 * Handles many functions for formatting output.
 *
 * @package WordPress
 */

function trailingslashit( $value ) {
	return untrailingslashit( $value ) . '/';
}

function untrailingslashit( $value ) {
	return rtrim( $value, '/\\' );
}

function sanitize_key( $key ) {
	return preg_replace( '/[^a-z0-9_\-]/', '', strtolower( (string) $key ) );
}

function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}
EOF

	cat >"$d/wp-includes/functions.php" <<'EOF'
<?php
/**
 * Main WordPress API
 *
 * @package WordPress
 */

function wp_parse_args( $args, $defaults = array() ) {
	if ( is_object( $args ) ) {
		$parsed_args = get_object_vars( $args );
	} elseif ( is_array( $args ) ) {
		$parsed_args =& $args;
	} else {
		parse_str( (string) $args, $parsed_args );
	}
	return array_merge( $defaults, $parsed_args );
}

function absint( $maybeint ) {
	return abs( (int) $maybeint );
}

function wp_die( $message = '', $title = '' ) {
	fwrite( STDERR, "wp_die: $title $message\n" );
	exit( 1 );
}

function is_blog_installed() {
	return true;
}

function wp() {
	global $wp;
	$wp = new WP();
	$wp->main();
}
EOF

	cat >"$d/wp-includes/option.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/class-wp.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/class-wp-query.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/wp-diff.php" <<'EOF'
<?php
/**
 * WordPress Diff bastion
 *
 * The Text_Diff engine is shipped in wp-includes/Text/ and is loaded the
 * PEAR way, through the include_path (falling back to this directory).
 *
 * @package WordPress
 * @subpackage Diff
 */

if ( ! class_exists( 'Text_Diff', false ) ) {
	/** Text_Diff class */
	require_once 'Text/Diff.php';
}
EOF

	cat >"$d/wp-includes/Text/Diff.php" <<'EOF'
<?php
/**
 * General API for generating and formatting diffs - the differences between
 * two sequences of strings.
 *
 * @package Text_Diff
 */
class Text_Diff {
	public $_edits = array();

	public function __construct( $engine, $params ) {
		$this->_edits = array();
	}

	public function isEmpty() {
		return empty( $this->_edits );
	}
}
EOF

	cat >"$d/wp-includes/class-wpdb.php" <<'EOF'
<?php
/**
 * WordPress database access abstraction class.
 *
 * The connection is opened lazily, on the first query.
 *
 * @package WordPress
 * @subpackage Database
 */
class wpdb {
	public $prefix      = '';
	public $field_types = array();
	protected $dbuser;
	protected $dbpassword;
	protected $dbname;
	protected $dbhost;

	public function __construct( $dbuser, $dbpassword, $dbname, $dbhost ) {
		$this->dbuser     = $dbuser;
		$this->dbpassword = $dbpassword;
		$this->dbname     = $dbname;
		$this->dbhost     = $dbhost;
	}

	public function set_prefix( $prefix ) {
		$this->prefix = $prefix;
		return $prefix;
	}
}
EOF

	cat >"$d/wp-includes/cache.php" <<'EOF'
<?php
/**
 * Object Cache API
 *
 * @package WordPress
 * @subpackage Cache
 */

/** WP_Object_Cache class */
require_once ABSPATH . WPINC . '/class-wp-object-cache.php';

function wp_cache_init() {
	$GLOBALS['wp_object_cache'] = new WP_Object_Cache();
}

function wp_cache_get( $key, $group = '' ) {
	global $wp_object_cache;
	return $wp_object_cache->get( $key, $group );
}

function wp_cache_set( $key, $data, $group = '' ) {
	global $wp_object_cache;
	return $wp_object_cache->set( $key, $data, $group );
}
EOF

	cat >"$d/wp-includes/class-wp-object-cache.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/default-filters.php" <<'EOF'
<?php
/**
 * Sets up the default filters and actions for most
 * of the WordPress hooks.
 *
 * @package WordPress
 */

add_filter( 'the_title', 'trim' );
add_filter( 'sanitize_title', 'sanitize_key' );
add_action( 'init', 'wp_cron', 20 );

function do_action_ref_array( $hook_name, $args ) {
	do_action( $hook_name, ...$args );
}
EOF

	cat >"$d/wp-includes/l10n.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/class-wp-textdomain-registry.php" <<'EOF'
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
EOF

	cat >"$d/wp-includes/class-wp-locale.php" <<'EOF'
<?php
/**
 * Locale API: WP_Locale class
 *
 * @package WordPress
 * @subpackage i18n
 */
class WP_Locale {
	public $weekday        = array();
	public $month          = array();
	public $text_direction = 'ltr';

	public function __construct() {
		$this->init();
	}

	public function init() {
		$this->weekday = array( 'Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday' );
		$this->month   = array( '01' => 'January', '02' => 'February', '03' => 'March' );
	}

	public function is_rtl() {
		return 'rtl' === $this->text_direction;
	}
}
EOF

	cat >"$d/wp-includes/class-wp-locale-switcher.php" <<'EOF'
<?php
/**
 * Locale API: WP_Locale_Switcher class
 *
 * @package WordPress
 * @subpackage i18n
 */
class WP_Locale_Switcher {
	private $stack = array();

	public function switch_to_locale( $locale ) {
		$this->stack[] = $locale;
		return true;
	}
}
EOF

	cat >"$d/wp-includes/class-wp-user.php" <<'EOF'
<?php
/**
 * User API: WP_User class
 *
 * @package WordPress
 * @subpackage Users
 */
class WP_User {
	public $ID    = 0;
	public $roles = array();
}
EOF

	cat >"$d/wp-includes/user.php" <<'EOF'
<?php
/**
 * Core User API
 *
 * @package WordPress
 * @subpackage Users
 */

function wp_get_current_user() {
	return new WP_User();
}
EOF

	cat >"$d/wp-includes/theme.php" <<'EOF'
<?php
/**
 * Theme, template, and stylesheet functions.
 *
 * @package WordPress
 * @subpackage Theme
 */

function get_stylesheet() {
	return 'twentytwentyfour';
}
EOF

	cat >"$d/wp-includes/template-loader.php" <<'EOF'
<?php
/**
 * Loads the correct template based on the visitor's url
 *
 * @package WordPress
 */
if ( wp_using_themes() ) {
	echo "<!doctype html><title>Demo</title><p>Hello from " . esc_html( get_stylesheet() ) . "</p>\n";
}
EOF

	# --- wp-content --------------------------------------------------------
	local idx
	for idx in "$d/wp-content/index.php" "$d/wp-content/plugins/index.php" "$d/wp-content/themes/index.php" "$d/wp-content/uploads/index.php"; do
		printf '<?php\n// Silence is golden.\n' >"$idx"
	done
	cat >"$d/wp-content/plugins/hello-dolly/hello.php" <<'EOF'
<?php
/**
 * Plugin Name: Hello Dolly
 * Description: This is not just a plugin, it symbolizes the hope and enthusiasm of an entire generation.
 * Version: 1.7.2
 */
function hello_dolly_get_lyric() {
	return 'Hello, Dolly';
}
EOF
	cat >"$d/wp-content/themes/twentytwentyfour/style.css" <<'EOF'
/*
Theme Name: Twenty Twenty-Four
Version: 1.0
*/
EOF
}

# A smaller site whose wp-config.php pulls in a file that does not exist.
make_missing_file_site() {
	local d=$1
	make_wp_site "$d"
	# Fix the locale typo (this scenario is about something else) ...
	sed -i "s|/class-wp-locale.phpp'|/class-wp-locale.php'|" "$d/wp-settings.php"
	# ... and make wp-config.php require a HyperDB config that was never deployed.
	awk '
		/^\/\* That.s all, stop editing!/ {
			print "/** Replica/partitioning settings for the HyperDB drop-in. */"
			print "require_once __DIR__ . \"/wp-content/db-config.php\";"
			print ""
		}
		{ print }
	' "$d/wp-config.php" >"$d/wp-config.php.new"
	mv "$d/wp-config.php.new" "$d/wp-config.php"
}

# A site whose wp-config.php is 0600 root (the PHP process runs as www-data).
make_perm_site() {
	local d=$1
	make_wp_site "$d"
	sed -i "s|/class-wp-locale.phpp'|/class-wp-locale.php'|" "$d/wp-settings.php"
	chown -R root:root "$d"
	chmod -R u=rwX,go=rX "$d"
	chmod 0600 "$d/wp-config.php"
}

make_missing_dir_app() {
	local d=$1
	mkdir -p "$d/lib" "$d/var"
	cat >"$d/config.php" <<'EOF'
<?php
/*
 * Settings for the nightly cleanup job (cron.php).
 */
return array(
	'retention_days' => 14,
	'log_file'       => '/srv/culprit-demo/missing-dir/logs/app.log',
	'lock_file'      => '/srv/culprit-demo/missing-dir/var/cron.lock',
	'spool_dir'      => '/srv/culprit-demo/missing-dir/var',
);
EOF
	cat >"$d/lib/Logger.php" <<'EOF'
<?php
/**
 * Minimal append-only file logger.
 */
class Logger {
	private $file;

	public function __construct( $file ) {
		$this->file = $file;
	}

	public function info( $message ) {
		$this->write( 'INFO', $message );
	}

	private function write( $level, $message ) {
		$line = sprintf( "%s [%s] %s\n", gmdate( 'c' ), $level, $message );
		if ( false === file_put_contents( $this->file, $line, FILE_APPEND | LOCK_EX ) ) {
			throw new RuntimeException( "cannot write to log file {$this->file}" );
		}
	}
}
EOF
	cat >"$d/cron.php" <<'EOF'
<?php
/*
 * Nightly cleanup job: removes spool files older than the retention period.
 * Run from cron as: php /srv/culprit-demo/missing-dir/cron.php
 */
$config = require __DIR__ . '/config.php';
require __DIR__ . '/lib/Logger.php';

// Optional per-host overrides.
if ( is_readable( '/etc/culprit-demo/cron.ini' ) ) {
	$config = array_merge( $config, parse_ini_file( '/etc/culprit-demo/cron.ini' ) );
}

// Only one instance at a time.
$lock = fopen( $config['lock_file'], 'c' );
if ( ! $lock || ! flock( $lock, LOCK_EX | LOCK_NB ) ) {
	exit( 0 );
}

$log = new Logger( $config['log_file'] );
$log->info( 'cleanup started' );

$removed = 0;
foreach ( glob( $config['spool_dir'] . '/*.tmp' ) as $file ) {
	if ( filemtime( $file ) < time() - 86400 * $config['retention_days'] ) {
		unlink( $file );
		$removed++;
	}
}
$log->info( "cleanup finished, removed $removed files" );

flock( $lock, LOCK_UN );
fclose( $lock );
unlink( $config['lock_file'] );
EOF
}

make_socket_app() {
	local d=$1
	mkdir -p "$d/bin"
	cat >"$d/config.php" <<'EOF'
<?php
/*
 * Backend services used by the shop application.
 */
return array(
	'db_socket'  => '/run/mysqld/mysqld.sock',
	'db_name'    => 'shop',
	'redis'      => 'tcp://127.0.0.1:6379',
	'beanstalkd' => '127.0.0.1:11300',
	'timeout'    => 2.0,
);
EOF
	cat >"$d/bin/db-check.php" <<'EOF'
<?php
/*
 * Health check: can we reach the database server over its unix socket?
 */
$config = require dirname( __DIR__ ) . '/config.php';

$me = function_exists( 'posix_getpwuid' ) ? posix_getpwuid( posix_geteuid() ) : array( 'name' => '?' );
fprintf( STDOUT, "db-check: running as %s\n", $me['name'] );

$conn = @stream_socket_client( 'unix://' . $config['db_socket'], $errno, $errstr, $config['timeout'] );
if ( ! $conn ) {
	fprintf( STDERR, "db-check: cannot connect to %s: [%d] %s\n", $config['db_socket'], $errno, $errstr );
	exit( 2 );
}
fwrite( $conn, "\x01\x00\x00\x00\x0e" );
fclose( $conn );
echo "db-check: OK\n";
EOF
	cat >"$d/bin/cache-warm.php" <<'EOF'
<?php
/*
 * Warm the page cache in Redis (uses PHP streams: a non-blocking connect).
 */
$config = require dirname( __DIR__ ) . '/config.php';

$redis = @stream_socket_client( $config['redis'], $errno, $errstr, $config['timeout'] );
if ( ! $redis ) {
	fprintf( STDERR, "cache-warm: redis at %s unavailable: [%d] %s\n", $config['redis'], $errno, $errstr );
	exit( 2 );
}
fwrite( $redis, "PING\r\n" );
echo fgets( $redis );
EOF
	cat >"$d/bin/queue-worker.php" <<'EOF'
<?php
/*
 * Job queue worker (talks to beanstalkd with the sockets extension: a blocking connect).
 */
$config = require dirname( __DIR__ ) . '/config.php';

list( $host, $port ) = explode( ':', $config['beanstalkd'] );
$sock = socket_create( AF_INET, SOCK_STREAM, SOL_TCP );
if ( ! @socket_connect( $sock, $host, (int) $port ) ) {
	fprintf( STDERR, "queue-worker: cannot connect to beanstalkd at %s: %s\n", $config['beanstalkd'], socket_strerror( socket_last_error( $sock ) ) );
	exit( 2 );
}
socket_write( $sock, "watch default\r\n" );
EOF
}

make_bad_interpreter_app() {
	local d=$1
	mkdir -p "$d/bin" "$d/reports"
	cat >"$d/bin/nightly-report.sh" <<'EOF'
#!/bin/sh
# Nightly sales report, run from cron.
set -e
cd /srv/culprit-demo/bad-interpreter
echo "nightly-report: starting at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
mkdir -p reports
/srv/culprit-demo/bad-interpreter/bin/report.py --period yesterday --out reports/daily.csv
echo "nightly-report: done"
EOF
	cat >"$d/bin/report.py" <<'EOF'
#!/usr/bin/pythn3
"""Build the daily sales report as CSV."""
import argparse
import csv
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--period", default="yesterday")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.out, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["period", "orders", "revenue"])
        writer.writerow([args.period, 0, "0.00"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
EOF
	chmod 0755 "$d/bin/nightly-report.sh" "$d/bin/report.py"
}

# make_apache_conf DIR VARIANT   (VARIANT: typo | soo)
make_apache_conf() {
	local d=$1 variant=$2 alias_kw=LoadModule rewrite_so=mod_rewrite.so
	case $variant in
		typo) alias_kw=LoadModlue ;;
		soo) rewrite_so=mod_rewrite.soo ;;
		*) die "make_apache_conf: bad variant $variant" ;;
	esac
	mkdir -p "$d/htdocs" "$d/conf.d" "$d/run" "$d/logs"
	cat >"$d/apache2.conf" <<EOF
# Minimal Apache 2.4 configuration for the culprit demo.
# Checked with: apache2 -t -f $d/apache2.conf
ServerRoot "$d"
DefaultRuntimeDir $d/run
PidFile $d/run/apache2.pid
Mutex file:$d/run default
Timeout 60
KeepAlive On

# Modules
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
$alias_kw alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule rewrite_module /usr/lib/apache2/modules/$rewrite_so

ServerName www.example.test
Listen 127.0.0.1:8089
User www-data
Group www-data
ErrorLog $d/logs/error.log
LogLevel warn
TypesConfig /etc/mime.types

DocumentRoot $d/htdocs
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory $d/htdocs>
    Require all granted
</Directory>
DirectoryIndex index.html index.php

IncludeOptional $d/conf.d/*.conf
EOF
	cat >"$d/conf.d/security.conf" <<'EOF'
ServerTokens Prod
ServerSignature Off
TraceEnable Off
EOF
	printf '<!doctype html><title>demo</title><p>It works.</p>\n' >"$d/htdocs/index.html"
}

# ---------------------------------------------------------------------------
# the pasted-from-a-terminal sample (the only derived log)
# ---------------------------------------------------------------------------
# make_pasted SRC DST PROMPT
# Deterministic transformation of the real log SRC:
#  * the shell prompt + command is glued onto the first log line (no newline);
#  * every 3rd line longer than 80 columns, and every line mentioning the
#    culprit (".phpp"), is hard-wrapped at 80 columns; continuation lines start
#    with 8 spaces;
#  * the whole session appears twice (the second copy glued right after the
#    first one); the second copy stops at the first line past the middle of
#    the log that contains a quoted string, cut off in the middle of that
#    string, without a final newline.
make_pasted() {
	local src=$1 dst=$2 prompt=$3 cut_line total
	local copy1="$WORK/pasted.1" trunc="$WORK/pasted.src2" copy2="$WORK/pasted.2"
	total=$(wc -l <"$src")
	cut_line=$(awk -v half="$((total / 2))" 'NR > half && index($0, "\"") > 0 && length($0) - index($0, "\"") > 24 { print NR; exit }' "$src")
	[[ -n $cut_line ]] || die "make_pasted: no line to cut in $src"
	# the truncated source: lines before the cut, then half of the cut line
	head -n "$((cut_line - 1))" "$src" >"$trunc"
	sed -n "${cut_line}p" "$src" | awk '{ i = index($0, "\""); print substr($0, 1, i + 8) }' >>"$trunc"
	# shellcheck disable=SC2016 # an awk program, not shell
	local glue_wrap='
		NR == 1 { $0 = prompt $0 }
		{
			if (length($0) > 80 && (NR % 3 == 0 || index($0, ".phpp") > 0)) {
				print substr($0, 1, 80)
				rest = substr($0, 81)
				while (length(rest) > 72) {
					print "        " substr(rest, 1, 72)
					rest = substr(rest, 73)
				}
				if (length(rest) > 0) print "        " rest
			} else {
				print
			}
		}'
	awk -v prompt="$prompt" "$glue_wrap" "$src" >"$copy1"
	awk -v prompt="$prompt" "$glue_wrap" "$trunc" >"$copy2"
	{
		cat "$copy1"
		# second paste: drop the very last newline (the paste was cut off)
		head -c -1 "$copy2"
	} >"$dst"
}

# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------
main() {
	preflight
	trap cleanup EXIT
	WORK=$(mktemp -d /tmp/culprit-regen.XXXXXX)
	EXPECT_JSONL="$WORK/expected.jsonl"
	README_ROWS="$WORK/readme.tsv"
	: >"$EXPECT_JSONL"
	: >"$README_ROWS"

	rm -rf "$DEMO"
	mkdir -p "$DEMO" "$CONSOLE"
	touch "$MARKER"

	# remove everything this script generates (keeps the script itself)
	rm -rf "$SAMPLES/root"
	find "$SAMPLES" -maxdepth 1 -type f \( -name '*.log' -o -name 'wp-typo.ff-tt.*' -o -name expected.json -o -name README.md \) -delete

	local -a env_root env_www
	mapfile -t env_root < <(base_env)
	env_root+=(HOME=/root)
	mapfile -t env_www < <(base_env)
	env_www+=(HOME=/var/www)

	local S=$SAMPLES
	local wp="$DEMO/wp-typo"
	local php_cmd=(php -d "include_path=$PHP_INCLUDE_PATH" index.php)

	# ----------------------------------------------------------- a. wp-typo
	make_wp_site "$wp"
	local wp_line wp_culprit="$wp/wp-includes/class-wp-locale.phpp" wp_fix="$wp/wp-includes/class-wp-locale.php"
	wp_line=$(line_of "$wp/wp-settings.php" "class-wp-locale.phpp")
	local wp_benign="/etc/ld.so.preload,$wp/wp-config-local.php,$wp/.maintenance,/usr/share/php/Text/Diff.php,$wp/wp-content/object-cache.php"
	local wp_benign_nof="/etc/ld.so.preload,/usr/lib/locale/C.UTF-8/LC_CTYPE,$wp/wp-config-local.php,/usr/share/php/Text/Diff.php,$wp/wp-content/object-cache.php"
	local -a benign_arr
	IFS=, read -r -a benign_arr <<<"$wp_benign"
	local wp_finding="mistyped-path $wp_culprit (ENOENT), suggest $wp_fix, from wp-settings.php:$wp_line"
	local wp_prog="php-cli: WordPress-like site, index.php -> wp-blog-header.php -> wp-load.php -> wp-config.php -> wp-settings.php"

	# name|strace flags (the log goes to samples/wp-typo.<name>.log)
	local variant log pid=23817
	local -a fl
	for variant in \
		"f-tt-T-y|-f -tt -T -y" \
		"f-ttt|-f -ttt" \
		"f-r|-f -r" \
		"plain|" \
		"f-yy-s512|-f -yy -s 512" \
		"f-X-raw|-f -X raw" \
		"f-X-verbose|-f -X verbose"; do
		local name=${variant%%|*}
		read -r -a fl <<<"${variant#*|}"
		log="$S/wp-typo.$name.log"
		run_traced "$pid" "$wp" "$CONSOLE/wp-typo.$name.out" "$CONSOLE/wp-typo.$name.out" "${env_root[@]}" -- \
			strace "${fl[@]}" -o "$log" "${php_cmd[@]}"
		check_log "$log" "\"$wp_culprit\"" 'PHP Warning:  require(' 'exited with 255'
		if [[ $name == plain ]]; then
			IFS=, read -r -a benign_arr <<<"$wp_benign_nof"
			check_benign "$log" "${benign_arr[@]}"
			expect "wp-typo-$name" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign_nof" "$(rel "$log")"
		else
			IFS=, read -r -a benign_arr <<<"$wp_benign"
			check_benign "$log" "${benign_arr[@]}"
			expect "wp-typo-$name" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign" "$(rel "$log")"
		fi
		readme_row "wp-typo-$name" "$(rel "$log")" "cd $wp && strace ${fl[*]}${fl[*]:+ }-o LOG ${php_cmd[*]}" "$wp_prog" "$wp_finding"
	done
	check_log "$S/wp-typo.f-yy-s512.log" "in $wp/wp-settings.php on line $wp_line" "in $wp/wp-settings.php:$wp_line"

	# -ff -o PREFIX: one file per process, named PREFIX.PID by strace
	local ffdir="$WORK/ff"
	mkdir -p "$ffdir"
	run_traced "$pid" "$wp" "$CONSOLE/wp-typo.ff.out" "$CONSOLE/wp-typo.ff.out" "${env_root[@]}" -- \
		strace -ff -tt -o "$ffdir/wp-typo.ff-tt" "${php_cmd[@]}"
	local -a fflogs=()
	local f
	for f in "$ffdir"/wp-typo.ff-tt.*; do
		mv "$f" "$S/"
		fflogs+=("$(rel "$S/$(basename "$f")")")
	done
	[[ ${#fflogs[@]} -ge 2 ]] || die "-ff produced only ${#fflogs[@]} file(s)"
	cat "$S"/wp-typo.ff-tt.* >"$WORK/ff.all"
	check_log "$WORK/ff.all" "\"$wp_culprit\"" '"/usr/local/sbin/uname"'
	local wp_benign_ff="/etc/ld.so.preload,$wp/.maintenance,/usr/share/php/Text/Diff.php,$wp/wp-content/object-cache.php,/usr/local/sbin/uname"
	IFS=, read -r -a benign_arr <<<"$wp_benign_ff"
	check_benign "$WORK/ff.all" "${benign_arr[@]}"
	expect "wp-typo-ff-tt" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign_ff" "${fflogs[@]}"
	readme_row "wp-typo-ff-tt" "${fflogs[*]}" "cd $wp && strace -ff -tt -o wp-typo.ff-tt ${php_cmd[*]}" "$wp_prog (forks sh -c 'uname -m' via shell_exec)" "$wp_finding"

	# strace's own output on stderr, mixed with the program's stderr
	log="$S/wp-typo.f-stderr-mixed.log"
	run_traced "$pid" "$wp" "$CONSOLE/wp-typo.mixed.out" "$log" "${env_root[@]}" -- \
		strace -f "${php_cmd[@]}"
	check_log "$log" "\"$wp_culprit\"" "PHP Fatal error:  Uncaught Error: Failed opening required '$wp_culprit'"
	IFS=, read -r -a benign_arr <<<"$wp_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect "wp-typo-f-stderr-mixed" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign" "$(rel "$log")"
	readme_row "wp-typo-f-stderr-mixed" "$(rel "$log")" "cd $wp && strace -f ${php_cmd[*]} 2> LOG" "$wp_prog; strace's trace and PHP's own stderr share one file" "$wp_finding"

	# pasted from a terminal: derived from the mixed log above
	make_pasted "$log" "$S/wp-typo.pasted.log" "root@web1:$wp# strace -f ${php_cmd[*]}"
	EXTRA_JSON='{"derived_from": "samples/wp-typo.f-stderr-mixed.log"}'
	expect "wp-typo-pasted" mistyped-path "$wp_culprit" ENOENT "$wp_fix" "$wp/wp-settings.php" "$wp_line" samples/root/wp-typo "$wp_benign" samples/wp-typo.pasted.log
	readme_row "wp-typo-pasted" samples/wp-typo.pasted.log "(derived) make_pasted() applied to samples/wp-typo.f-stderr-mixed.log" "NOT a direct strace output: a real log transformed to look like a terminal paste" "$wp_finding"

	# ------------------------------------------------------ b. perm-denied
	local pd="$DEMO/perm-denied" pd_line
	make_perm_site "$pd"
	pd_line=$(line_of "$pd/wp-load.php" "require_once ABSPATH . 'wp-config.php';")
	log="$S/perm-denied.f-tt-T-y-s256.log"
	run_traced 3106 "$pd" "$CONSOLE/perm-denied.out" "$CONSOLE/perm-denied.out" "${env_www[@]}" -- \
		strace -f -tt -T -y -s 256 -o "$log" setpriv --reuid=www-data --regid=www-data --clear-groups "${php_cmd[@]}"
	check_log "$log" "\"$pd/wp-config.php\", O_RDONLY) = -1 EACCES" "Permission denied in $pd/wp-load.php on line $pd_line"
	local pd_benign="/etc/ld.so.preload,/usr/local/bin/php,/var/run/nscd/socket,/usr/lib/locale/C.UTF-8/LC_CTYPE,/usr/bin/php-cli.ini"
	IFS=, read -r -a benign_arr <<<"$pd_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect perm-denied permission-denied "$pd/wp-config.php" EACCES "" "$pd/wp-load.php" "$pd_line" samples/root/perm-denied "$pd_benign" "$(rel "$log")"
	readme_row perm-denied "$(rel "$log")" "cd $pd && strace -f -tt -T -y -s 256 -o LOG setpriv --reuid=www-data --regid=www-data --clear-groups ${php_cmd[*]}" \
		"php-cli as www-data; wp-config.php is mode 0600 owned by root" \
		"permission-denied $pd/wp-config.php (EACCES), no suggestion, from wp-load.php:$pd_line"

	# ------------------------------------------------------ c. missing-dir
	local md="$DEMO/missing-dir" md_line md_site
	make_missing_dir_app "$md"
	md_line=$(line_of "$md/config.php" "/missing-dir/logs/app.log")
	md_site=$(line_of "$md/lib/Logger.php" "file_put_contents(")
	log="$S/missing-dir.f-tt-T.log"
	run_traced 5120 "$md" "$CONSOLE/missing-dir.out" "$CONSOLE/missing-dir.out" "${env_root[@]}" -- \
		strace -f -tt -T -o "$log" php cron.php
	check_log "$log" "\"$md/logs/app.log\", O_WRONLY|O_CREAT|O_APPEND, 0666) = -1 ENOENT"
	local md_benign="/etc/ld.so.preload,/etc/culprit-demo/cron.ini,$md/var/cron.lock,/usr/bin/php-cli.ini"
	IFS=, read -r -a benign_arr <<<"$md_benign"
	check_benign "$log" "${benign_arr[@]}"
	EXTRA_JSON=$(jq -cn --arg dir "$md/logs" --arg f "$md/lib/Logger.php" --argjson l "$md_site" \
		'{missing_directory: $dir, error_site: {file: $f, line: $l}}')
	expect missing-dir missing-directory "$md/logs/app.log" ENOENT "" "$md/config.php" "$md_line" samples/root/missing-dir "$md_benign" "$(rel "$log")"
	readme_row missing-dir "$(rel "$log")" "cd $md && strace -f -tt -T -o LOG php cron.php" \
		"php-cli cron job appending to a log file whose directory logs/ does not exist" \
		"missing-directory $md/logs (open O_CREAT of $md/logs/app.log, ENOENT), fix: create the directory; path literal in config.php:$md_line (PHP reports lib/Logger.php:$md_site)"

	# ----------------------------------------------------- d. missing-file
	local mf="$DEMO/missing-file" mf_line
	make_missing_file_site "$mf"
	mf_line=$(line_of "$mf/wp-config.php" "db-config.php")
	log="$S/missing-file.f-ttt-T-y-s256.log"
	run_traced 7781 "$mf" "$CONSOLE/missing-file.out" "$CONSOLE/missing-file.out" "${env_root[@]}" -- \
		strace -f -ttt -T -y -s 256 -o "$log" "${php_cmd[@]}"
	check_log "$log" "\"$mf/wp-content/db-config.php\", O_RDONLY) = -1 ENOENT" "in $mf/wp-config.php on line $mf_line"
	local mf_benign="/etc/ld.so.preload,$mf/wp-config-local.php,/usr/lib/locale/C.UTF-8/LC_CTYPE"
	IFS=, read -r -a benign_arr <<<"$mf_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect missing-file missing-path "$mf/wp-content/db-config.php" ENOENT "" "$mf/wp-config.php" "$mf_line" samples/root/missing-file "$mf_benign" "$(rel "$log")"
	readme_row missing-file "$(rel "$log")" "cd $mf && strace -f -ttt -T -y -s 256 -o LOG ${php_cmd[*]}" \
		"php-cli: WordPress-like site whose wp-config.php requires wp-content/db-config.php (absent, no similar name)" \
		"missing-path $mf/wp-content/db-config.php (ENOENT), no suggestion, from wp-config.php:$mf_line"

	# ------------------------------------------------------ e. socket-gone
	local sg="$DEMO/socket-gone" sg_line
	make_socket_app "$sg"
	sg_line=$(line_of "$sg/config.php" "/run/mysqld/mysqld.sock")
	log="$S/socket-gone-unix.f-tt-T-yy.log"
	run_traced 9034 "$sg" "$CONSOLE/socket-gone-unix.out" "$CONSOLE/socket-gone-unix.out" "${env_root[@]}" -- \
		strace -f -tt -T -yy -o "$log" php bin/db-check.php
	check_log "$log" 'sun_path="/run/mysqld/mysqld.sock"}, 25) = -1 ENOENT'
	local sg_benign="/etc/ld.so.preload,/var/run/nscd/socket,/usr/bin/php-cli.ini"
	IFS=, read -r -a benign_arr <<<"$sg_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect socket-gone-unix connection-refused /run/mysqld/mysqld.sock ENOENT "" "$sg/config.php" "$sg_line" samples/root/socket-gone "$sg_benign" "$(rel "$log")"
	readme_row socket-gone-unix "$(rel "$log")" "cd $sg && strace -f -tt -T -yy -o LOG php bin/db-check.php" \
		"php-cli health check: stream_socket_client('unix:///run/mysqld/mysqld.sock'); the database is not running (/run/mysqld absent)" \
		"missing-path /run/mysqld/mysqld.sock (connect ENOENT), no suggestion, from config.php:$sg_line; glibc's connect to /var/run/nscd/socket also fails ENOENT and is benign"

	sg_line=$(line_of "$sg/config.php" "tcp://127.0.0.1:6379")
	log="$S/socket-gone-tcp-nonblock.f-tt-T-y.log"
	run_traced 9051 "$sg" "$CONSOLE/socket-gone-tcp-nonblock.out" "$CONSOLE/socket-gone-tcp-nonblock.out" "${env_root[@]}" -- \
		strace -f -tt -T -y -o "$log" php bin/cache-warm.php
	check_log "$log" 'sin_port=htons(6379), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS' 'SO_ERROR, [ECONNREFUSED]'
	sg_benign="/etc/ld.so.preload,/usr/bin/php-cli.ini,/usr/lib/locale/C.UTF-8/LC_CTYPE"
	IFS=, read -r -a benign_arr <<<"$sg_benign"
	check_benign "$log" "${benign_arr[@]}"
	EXTRA_JSON='{"note": "non-blocking connect: connect() = -1 EINPROGRESS, then getsockopt(SO_ERROR) = 0 with [ECONNREFUSED]"}'
	expect socket-gone-tcp-nonblock connection-refused 127.0.0.1:6379 ECONNREFUSED "" "$sg/config.php" "$sg_line" samples/root/socket-gone "$sg_benign" "$(rel "$log")"
	readme_row socket-gone-tcp-nonblock "$(rel "$log")" "cd $sg && strace -f -tt -T -y -o LOG php bin/cache-warm.php" \
		"php-cli: stream_socket_client('tcp://127.0.0.1:6379'), nothing listens there" \
		"connection-refused 127.0.0.1:6379 (connect EINPROGRESS, then getsockopt SO_ERROR = ECONNREFUSED), from config.php:$sg_line"

	sg_line=$(line_of "$sg/config.php" "127.0.0.1:11300")
	log="$S/socket-gone-tcp.f-tt-T-y.log"
	run_traced 9077 "$sg" "$CONSOLE/socket-gone-tcp.out" "$CONSOLE/socket-gone-tcp.out" "${env_root[@]}" -- \
		strace -f -tt -T -y -o "$log" php bin/queue-worker.php
	check_log "$log" 'sin_port=htons(11300), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED'
	check_benign "$log" "${benign_arr[@]}"
	expect socket-gone-tcp connection-refused 127.0.0.1:11300 ECONNREFUSED "" "$sg/config.php" "$sg_line" samples/root/socket-gone "$sg_benign" "$(rel "$log")"
	readme_row socket-gone-tcp "$(rel "$log")" "cd $sg && strace -f -tt -T -y -o LOG php bin/queue-worker.php" \
		"php-cli: socket_connect() (blocking) to beanstalkd at 127.0.0.1:11300, nothing listens there" \
		"connection-refused 127.0.0.1:11300 (connect = -1 ECONNREFUSED), from config.php:$sg_line"

	# -------------------------------------------------- f. bad-interpreter
	local bi="$DEMO/bad-interpreter"
	make_bad_interpreter_app "$bi"
	log="$S/bad-interpreter.f-tt-T-y-s128.log"
	run_traced 12205 "$bi" "$CONSOLE/bad-interpreter.out" "$CONSOLE/bad-interpreter.out" "${env_root[@]}" -- \
		strace -f -tt -T -y -s 128 -o "$log" "$bi/bin/nightly-report.sh"
	check_log "$log" "execve(\"$bi/bin/report.py\"" "$bi/bin/report.py: not found"
	grep -F "execve(\"$bi/bin/report.py\"" "$log" | grep -qF '= -1 ENOENT' || die "bad-interpreter: execve of report.py did not fail with ENOENT"
	local bi_benign="/etc/ld.so.preload,/usr/local/sbin/date,/usr/local/bin/mkdir,/usr/share/zoneinfo/UTC0,/etc/selinux/config"
	IFS=, read -r -a benign_arr <<<"$bi_benign"
	check_benign "$log" "${benign_arr[@]}"
	local bi_sugg=""
	[[ -x /usr/bin/python3 ]] && bi_sugg=/usr/bin/python3
	EXTRA_JSON=$(jq -cn --arg s "$bi/bin/report.py" '{script: $s}')
	expect bad-interpreter bad-interpreter /usr/bin/pythn3 ENOENT "$bi_sugg" "$bi/bin/report.py" 1 samples/root/bad-interpreter "$bi_benign" "$(rel "$log")"
	readme_row bad-interpreter "$(rel "$log")" "strace -f -tt -T -y -s 128 -o LOG $bi/bin/nightly-report.sh" \
		"/bin/sh cron script running bin/report.py whose shebang is #!/usr/bin/pythn3" \
		"bad-interpreter /usr/bin/pythn3 (execve of the existing $bi/bin/report.py = -1 ENOENT), suggest ${bi_sugg:-none}, from report.py:1"

	# --------------------------------------------------- g. apache-config
	local ac="$DEMO/apache-config" ac_line
	make_apache_conf "$ac" typo
	ac_line=$(line_of "$ac/apache2.conf" "LoadModlue")
	log="$S/apache-config.f-s512.log"
	run_traced 1733 "$ac" "$CONSOLE/apache-config.out" "$CONSOLE/apache-config.out" "${env_root[@]}" -- \
		strace -f -s 512 -o "$log" apache2 -t -f "$ac/apache2.conf"
	check_log "$log" "AH00526: Syntax error on line $ac_line of $ac/apache2.conf:" "Invalid command 'LoadModlue', perhaps misspelled"
	local ac_benign="/etc/ld.so.preload,/var/run/nscd/socket,/usr/lib/apache2/suexec"
	IFS=, read -r -a benign_arr <<<"$ac_benign"
	check_benign "$log" "${benign_arr[@]}"
	EXTRA_JSON='{"directive": {"found": "LoadModlue", "expected": "LoadModule"}}'
	expect apache-config config-error "$ac/apache2.conf" "" "" "$ac/apache2.conf" "$ac_line" samples/root/apache-config "$ac_benign" "$(rel "$log")"
	readme_row apache-config "$(rel "$log")" "strace -f -s 512 -o LOG apache2 -t -f $ac/apache2.conf" \
		"apache2 -t (config test only) with a misspelled directive" \
		"config-error $ac/apache2.conf line $ac_line: Invalid command 'LoadModlue' (AH00526), from apache2.conf:$ac_line"

	# ----------------------------------------------- h. apache-module-soo
	local am="$DEMO/apache-module-soo" am_line
	make_apache_conf "$am" soo
	am_line=$(line_of "$am/apache2.conf" "mod_rewrite.soo")
	log="$S/apache-module-soo.f-s512.log"
	run_traced 1760 "$am" "$CONSOLE/apache-module-soo.out" "$CONSOLE/apache-module-soo.out" "${env_root[@]}" -- \
		strace -f -s 512 -o "$log" apache2 -t -f "$am/apache2.conf"
	check_log "$log" '"/usr/lib/apache2/modules/mod_rewrite.soo", O_RDONLY|O_CLOEXEC) = -1 ENOENT' \
		"Syntax error on line $am_line of $am/apache2.conf: Cannot load /usr/lib/apache2/modules/mod_rewrite.soo into server"
	local am_benign="/etc/ld.so.preload,/var/run/nscd/socket"
	IFS=, read -r -a benign_arr <<<"$am_benign"
	check_benign "$log" "${benign_arr[@]}"
	expect apache-module-soo mistyped-path /usr/lib/apache2/modules/mod_rewrite.soo ENOENT /usr/lib/apache2/modules/mod_rewrite.so "$am/apache2.conf" "$am_line" samples/root/apache-module-soo "$am_benign" "$(rel "$log")"
	readme_row apache-module-soo "$(rel "$log")" "strace -f -s 512 -o LOG apache2 -t -f $am/apache2.conf" \
		"apache2 -t with LoadModule pointing at mod_rewrite.soo" \
		"mistyped-path /usr/lib/apache2/modules/mod_rewrite.soo (ENOENT), suggest /usr/lib/apache2/modules/mod_rewrite.so, from apache2.conf:$am_line"

	# ------------------------------------------------------ --root copies
	local sc
	for sc in wp-typo perm-denied missing-dir missing-file socket-gone bad-interpreter apache-config apache-module-soo; do
		mkdir -p "$S/root/$sc$DEMO"
		cp -R "$DEMO/$sc" "$S/root/$sc$DEMO/"
	done
	# run-time leftovers are not part of the demo sources
	rm -f "$S/root/missing-dir$DEMO/missing-dir/var/cron.lock"
	# System files the analyzer needs for sibling look-ups are represented
	# by EMPTY stand-ins (a directory listing, not the real binaries).
	mkdir -p "$S/root/apache-module-soo/usr/lib/apache2/modules" "$S/root/bad-interpreter/usr/bin"
	for f in /usr/lib/apache2/modules/*.so; do
		: >"$S/root/apache-module-soo/usr/lib/apache2/modules/$(basename "$f")"
	done
	for f in /usr/bin/python3*; do
		[[ -e $f ]] && : >"$S/root/bad-interpreter/usr/bin/$(basename "$f")"
	done
	chown -R --reference="$SAMPLES" "$S/root"
	chmod -R u+rwX,go+rX,go-w "$S/root"
	chmod 0755 "$S/root/bad-interpreter$bi/bin/"*

	# ------------------------------------------------------- sizes / owner
	for f in "$S"/*.log "$S"/wp-typo.ff-tt.*; do
		local size
		size=$(stat -c %s "$f")
		[[ $size -lt 400000 ]] || note "warning: $(basename "$f") is $size bytes"
	done
	chown --reference="$SAMPLES" "$S"/*.log "$S"/wp-typo.ff-tt.*

	jq -s '.' "$EXPECT_JSONL" >"$S/expected.json"
	write_readme >"$S/README.md"
	chown --reference="$SAMPLES" "$S/expected.json" "$S/README.md"
	note "done: $(find "$S" -maxdepth 1 -type f \( -name '*.log' -o -name 'wp-typo.ff-tt.*' \) | wc -l) logs in $(rel "$S")/"
}

write_readme() {
	cat <<EOF
# strace samples

Real strace logs of small failing programs, for developing and testing culprit.
**Do not edit them by hand**: everything here is generated by
[\`regenerate.sh\`](regenerate.sh) (run it as root from anywhere; it needs
strace, php-cli, apache2, setpriv, unshare, setarch and jq).

The script builds each demo program or site under the fixed location
\`$DEMO/<scenario>/\` (so the paths in the logs are stable), runs it under
strace 6.1, copies the demo files to \`root/<scenario>/\`, writes
\`expected.json\` and this file, and deletes \`$DEMO\` again.

* Each traced command runs in a fresh PID namespace with a preset
  \`ns_last_pid\`, and with ASLR off (\`setarch -R\`), so PIDs and addresses are
  the same on every run; timestamps, durations and inode numbers are not.
* The programs run with the environment \`PATH=$CLEAN_PATH LANG=C.UTF-8\`
  and \`HOME\`; their stdout/stderr go to \`$CONSOLE/<sample>.out\` (that is the
  path you see on fd 1 and 2 with \`-y\`), except in \`wp-typo.f-stderr-mixed.log\`.
* php-cli runs with \`-d include_path=$PHP_INCLUDE_PATH\`; the demo site's
  \`wp_debug_mode()\` turns \`display_errors\` off and \`log_errors\` on, so PHP's
  "PHP Warning" / "PHP Fatal error" lines are written to stderr (fd 2).
* **\`wp-typo.pasted.log\` is not a direct strace output.** It is
  \`wp-typo.f-stderr-mixed.log\` transformed by \`make_pasted()\` in
  \`regenerate.sh\` to look like a sloppy terminal paste: the shell prompt and
  command glued onto the first line, some lines longer than 80 columns
  hard-wrapped with continuation lines starting with 8 spaces, the whole
  session pasted twice, and the second copy cut off in the middle of a string
  (no final newline).

## --root copies

\`root/<scenario>/\` mirrors the demo files at their absolute paths, e.g.
\`root/wp-typo$DEMO/wp-typo/wp-settings.php\`, so that
\`culprit --root samples/root/wp-typo samples/wp-typo.f-tt-T-y.log\` can look up
siblings and referencing lines.  Git does not keep file modes: the real
\`perm-denied\` \`wp-config.php\` was 0600 root:root (the trace shows it in the
\`newfstatat\` result).  System files are not copied, with two exceptions made
of **empty stand-in files** so that sibling look-ups work:
\`root/apache-module-soo/usr/lib/apache2/modules/*.so\` (the module directory
listing) and \`root/bad-interpreter/usr/bin/python3*\`.

## expected.json

One object per log (one per \`-ff\` set):
\`name\`, \`logs\` (paths relative to the repository root), \`root\`, \`kind\`
(mistyped-path, missing-path, missing-directory, permission-denied,
config-error, connection-refused, bad-interpreter), \`path\` (the culprit; for
connection-refused it is \`host:port\`, for config-error the config file, for
bad-interpreter the missing interpreter), \`errno\` (null for config-error),
\`suggestion\` (or null), \`referenced_from\` (\`{file, line}\` of the line that
names the culprit, or null) and \`benign\` (paths that fail in that log but are
harmless and must not be reported).  Optional extra keys:
\`missing_directory\` and \`error_site\` (missing-dir: the directory to create,
and the line PHP itself blames, which is not the line that names the path),
\`script\` (bad-interpreter: the script whose \`#!\` line is wrong),
\`directive\` (config-error) and \`note\`.

## Samples

| sample | log(s) | command | program | expected top finding |
| --- | --- | --- | --- | --- |
EOF
	awk -F'\t' '{
		gsub(/\|/, "\\|")
		n = split($2, logs, " ")
		l = ""
		for (i = 1; i <= n; i++) {
			sub(/^samples\//, "", logs[i])
			l = l (i > 1 ? "<br>" : "") "`" logs[i] "`"
		}
		printf "| %s | %s | `%s` | %s | %s |\n", $1, l, $3, $4, $5
	}' "$README_ROWS"
	cat <<'EOF'

In the commands, `LOG` is the log file in this directory (`-ff` writes
`wp-typo.ff-tt.<PID>`, one file per process).  Every command actually ran as
`unshare --pid --fork --mount-proc` + `setarch -R` + `env -i ...` + the command
shown (see `run_traced()` in `regenerate.sh`).

Benign failures present in most logs: `/etc/ld.so.preload` (ld.so), locale
files under `/usr/lib/locale/` (glibc), `php-cli.ini`/`php.ini` probes next to
the binary and in `/etc/php/8.2/cli/` (php-cli), PHP looking for its own binary
along `PATH`, include_path probes (`./Text/Diff.php`, `/usr/share/php/...`,
`/usr/share/pear/...`), `file_exists()` probes of optional files
(`.maintenance`, `wp-config-local.php`, `wp-content/object-cache.php`,
`wp-content/db.php`, `wp-content/advanced-cache.php`), glibc's NSS connecting
to `/var/run/nscd/socket`, and the shell searching `PATH` for `date`/`mkdir`.

## Format quirks seen in these logs (things a parser must handle)

* PID prefixes: with `-f -o FILE` every line starts with the PID and two
  spaces (`23817  openat(...)`); `-ff` files have no PID column; with `-f` to
  stderr (`wp-typo.f-stderr-mixed.log`) lines get `[pid 23818] ` only while
  more than one process is traced, and the first process's lines have no
  prefix before the first fork.
* Split calls: `clone3(... <unfinished ...>` then `<... clone3 resumed>) = 23818`;
  the resumed part may carry the remaining arguments, e.g.
  `<... newfstatat resumed>{st_mode=S_IFIFO|0600, st_size=0, ...}, AT_EMPTY_PATH) = 0`
  or `<... rt_sigprocmask resumed>NULL, 8) = 0`.  Lines of different PIDs
  interleave.
* Mixed stderr: strace's own messages land mid-line
  (`..., 88strace: Process 23818 attached` then ` <unfinished ...>` on the next
  line), and the program's own stderr text is printed between a write()'s
  arguments and its result:
  `write(2, "PHP Warning:  require(/srv/culpr"..., 189PHP Warning:  require(...) ... on line 111`
  followed by `) = 189` on a line of its own; multi-line messages (PHP stack
  traces) sit in between.
* Timestamps: `-tt` `01:18:44.258835`, `-ttt` `1795310324.446859`, `-r`
  right-aligned relative seconds (`     0.000009 `), `-T` a trailing
  `<0.000004>`.
* `-y`: descriptors are decorated: `AT_FDCWD</srv/culprit-demo/wp-typo>`,
  `3</etc/php/8.2/cli/php.ini>`, `4<pipe:[19801]>`, `4<socket:[20298]>`;
  `-yy` adds socket details (`4<UNIX-STREAM:[20836]>`).
* `-X raw`: `openat(-100, "...", 0)`, flags as hex (`0x100`), but the errno is
  still symbolic (`= -1 ENOENT (No such file or directory)`).  `-X verbose`:
  `openat(-100 /* AT_FDCWD */, "...", 0 /* O_RDONLY */)`.
* Truncated strings and arrays: `"PHP Warning:  require(/srv/culpr"...` (default
  `-s 32`), also inside execve argv; `-s 512` still truncates PHP's 568-byte
  fatal error message.  The complete text is in the mixed log.
* One missing file shows up several times: PHP does `newfstatat` twice and then
  `openat` (all ENOENT) for one `require`; `file_exists()` is an
  `access(path, F_OK)` call; an include_path probe looks like
  `/srv/culprit-demo/wp-typo/./Text/Diff.php` (note the `/./`).
* Failures that are not ENOENT/EACCES and are noise: `ioctl(..., TCGETS, ...) = -1 ENOTTY`
  on every file PHP opens, `prctl(PR_SET_VMA, ...) = -1 EINVAL`,
  `wait4(...) = -1 ECHILD`, `mkdir("reports", 0777) = -1 EEXIST`.
* `execve` failing with ENOENT is normal during a PATH search (setpriv's
  `execvp` tries `/usr/local/sbin/php`, `/usr/local/bin/php`, `/usr/sbin/php`
  before `/usr/bin/php`), but in `bad-interpreter` the execve of an *existing*
  script fails with ENOENT because its `#!` interpreter is missing; the
  interpreter path never appears in the trace (only the shell's
  "not found" message does), so it must be read from the script.
* A non-blocking TCP connect does not fail in the connect call:
  `connect(...) = -1 EINPROGRESS`, `poll(...)`, then
  `getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0`.
* glibc's NSS tries
  `connect(..., {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT`:
  a unix-socket ENOENT that is benign (unlike `/run/mysqld/mysqld.sock`).
* Apache: a config error has no failing syscall at all; the evidence is the
  `write(2, "AH00526: Syntax error on line 15 of ...")`.  Apache keeps reading
  after the bad line (LoadModule and IncludeOptional act while reading, so
  mod_rewrite.so and conf.d/ are opened after line 15) and reports the error
  afterwards.  Its start-up makes ~4200 `getrandom` calls.
* The end of a process: `exit_group(255) = ?` then `+++ exited with 255 +++`.
EOF
}

main "$@"
