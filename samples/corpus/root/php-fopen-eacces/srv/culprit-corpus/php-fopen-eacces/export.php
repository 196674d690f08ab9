<?php
$fh = fopen('/srv/culprit-corpus/php-fopen-eacces/data/customers.csv', 'r');
if ($fh === false) {
    fwrite(STDERR, "export: cannot open customers.csv\n");
    exit(1);
}
while (($row = fgetcsv($fh)) !== false) { echo implode(';', $row), "\n"; }
