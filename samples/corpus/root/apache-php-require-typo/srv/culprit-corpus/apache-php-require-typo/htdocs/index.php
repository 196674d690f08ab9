<?php
require __DIR__ . '/inc/db.phpp';
echo "<h1>", db_name(), "</h1>\n";
