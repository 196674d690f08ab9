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
