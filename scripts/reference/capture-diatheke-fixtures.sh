#!/usr/bin/env bash
# Captures the small diatheke outputs the Corpus parser tests run on (Tests/Fixtures/corpus/).
# Needs the apt packages diatheke, sword-text-sparv, sword-text-web. Run from the package root.
set -euo pipefail
out=Tests/Fixtures/corpus
mkdir -p "$out"
# Internal (raw OSIS) format, as `nmt data bible` reads it.
diatheke -b engWEB2015eb -f internal -o h -l en -k "Ps 3:1-2" > "$out/web-psalm3-internal.txt"
diatheke -b engWEB2015eb -f internal -o h -l en -k "Gen 1:1-2" > "$out/web-genesis1-internal.txt"
diatheke -b spaRV1909eb -f internal -o h -l en -k "Num 12:15-16" > "$out/sparv-numbers12-internal.txt"
diatheke -b spaRV1909eb -f internal -o h -l en -k "Rev 22:21" > "$out/sparv-revelation22-internal.txt"
# Plain format: poetry continues on lines without a prefix.
diatheke -b engWEB2015eb -f plain -o h -l en -k "Ps 3:1-2" > "$out/web-psalm3-plain.txt"
