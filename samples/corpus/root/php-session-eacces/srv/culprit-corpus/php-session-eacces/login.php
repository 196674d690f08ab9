<?php
ini_set('session.save_path', '/srv/culprit-corpus/php-session-eacces/sessions');
session_id('corpus0session0id');
if (!session_start()) {
    fwrite(STDERR, "login: cannot start session\n");
    exit(1);
}
$_SESSION['user'] = 'alice';
echo "logged in\n";
