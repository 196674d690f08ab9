#!/bin/sh
# Writes a small WordPress-shaped PHP site into $1: index.php → wp-blog-header.php → wp-load.php →
# wp-settings.php → files under wp-includes/, so that a request opens plenty of files (and probes
# .htaccess and include_path) beside whatever fault a test introduces. Used by the Apache
# integration tests; the line of the locale require in wp-settings.php is printed on stdout.
set -eu
root=$1
mkdir -p "$root/wp-includes" "$root/wp-content"
cat > "$root/index.php" <<'PHP'
<?php
/**
 * Front to the application. Loads the environment and the template.
 */
define('WP_USE_THEMES', true);
require __DIR__ . '/wp-blog-header.php';
PHP
cat > "$root/wp-blog-header.php" <<'PHP'
<?php
if (!isset($wp_did_header)) {
    $wp_did_header = true;
    require_once __DIR__ . '/wp-load.php';
    wp();
}
PHP
cat > "$root/wp-load.php" <<'PHP'
<?php
define('ABSPATH', __DIR__ . '/');
error_reporting(E_ALL);
if (file_exists(ABSPATH . 'wp-config.php')) {
    require_once ABSPATH . 'wp-config.php';
}
require_once ABSPATH . 'wp-settings.php';
PHP
{
  echo '<?php'
  echo '/**'
  echo ' * Used to set up and fix common variables and include the procedural and class library.'
  echo ' */'
  echo "define('WPINC', 'wp-includes');"
  echo 'global $wp_version;'
  for f in version load compat class-wp-list-util formatting plugin class-wp-hook \
           functions default-constants class-wp-error pomo-stub l10n class-wp-locale \
           class-wp-query query theme template general-template link-template post \
           class-wp-post option; do
    printf "require ABSPATH . WPINC . '/%s.php';\n" "$f"
  done
  echo "wp_settings_loaded();"
} > "$root/wp-settings.php"
for f in version load compat class-wp-list-util formatting plugin class-wp-hook \
         functions default-constants class-wp-error pomo-stub l10n class-wp-locale \
         class-wp-query query theme template general-template link-template post \
         class-wp-post option; do
  fn=$(echo "$f" | tr -c 'a-z0-9\n' '_')
  printf '<?php\nfunction wp_part_%s() { return "%s"; }\n' "$fn" "$f" > "$root/wp-includes/$f.php"
done
cat >> "$root/wp-includes/option.php" <<'PHP'
function wp_settings_loaded() { $GLOBALS['wp_loaded'] = true; }
function wp() {
    if (isset($_GET['sleep'])) { usleep((int) $_GET['sleep'] * 1000); }
    header('Content-Type: text/plain');
    echo "Hello from the site\n";
}
PHP
grep -n "class-wp-locale" "$root/wp-settings.php" | cut -d: -f1
