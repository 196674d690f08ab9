<?php
include 'partials/header.php';
include 'partials/footer.php';
render_header();
echo "<main>catalogue</main>\n";
render_footer();
