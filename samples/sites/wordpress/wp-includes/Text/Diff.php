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
