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
