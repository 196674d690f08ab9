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
