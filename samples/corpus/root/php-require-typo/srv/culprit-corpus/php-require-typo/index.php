<?php
$config = require __DIR__ . '/lib/config.phpp';
echo "database: ", $config['db'], "\n";
