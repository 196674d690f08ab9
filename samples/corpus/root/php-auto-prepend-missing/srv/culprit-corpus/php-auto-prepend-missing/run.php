<?php
echo "job done\n";
