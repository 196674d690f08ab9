<?php
return ['db' => 'shop', 'user' => 'shop'];
