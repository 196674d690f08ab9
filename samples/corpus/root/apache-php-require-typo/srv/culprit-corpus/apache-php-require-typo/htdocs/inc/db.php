<?php
function db_name() { return 'shop'; }
