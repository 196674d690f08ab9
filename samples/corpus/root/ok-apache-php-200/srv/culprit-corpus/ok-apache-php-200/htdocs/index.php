<?php
echo "<h1>", htmlspecialchars("shop"), "</h1>\n";
