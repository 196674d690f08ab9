<?php
function render_header() { echo "<header>shop</header>\n"; }
