<?php
require_once '/usr/share/php/Net/SMTP.php';
$smtp = new Net_SMTP('localhost');
echo "connected\n";
