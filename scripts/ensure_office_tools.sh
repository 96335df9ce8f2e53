#!/usr/bin/env bash
# The business-case pack tests open the ODT with LibreOffice headless and render
# the PDF with poppler's pdftoppm (tests/groups/test_pack_files.py). Install them
# when we can (root on Debian, as in CI); otherwise say exactly what is missing.
set -euo pipefail
if command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's libreoffice-writer-nogui and poppler-utils for the pack tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils >/dev/null
  exit 0
fi
echo "The pack tests need LibreOffice (soffice) and pdftoppm: run 'sudo apt-get install libreoffice-writer-nogui poppler-utils'." >&2
exit 1
