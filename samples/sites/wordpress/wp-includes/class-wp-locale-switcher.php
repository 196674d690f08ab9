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
