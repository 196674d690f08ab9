<?php
spl_autoload_register(function ($c) { require __DIR__ . "/../src/$c.php"; });
